using System.Diagnostics;
using System.Text;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>What a finished process printed, and how it ended.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    /// <summary>The whole story, for a failure message.</summary>
    public string Describe() =>
        $"{Command}\nexited with {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>
/// Runs a program with a given environment and working folder, capturing both streams; a run that outlives its
/// timeout is killed with its whole process tree, so no test leaves a build or a tool running behind it.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="program"/> and returns its result, whatever the exit code.</summary>
    public static ProcessResult Run(string program, IEnumerable<string> arguments, string workingFolder,
        IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in environment)
            if (value is not null) start.Environment[name] = value;
        string command = $"{program} {string.Join(' ', start.ArgumentList)}  (in {workingFolder})";

        var output = new StringBuilder();
        var error = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{command} did not finish in {timeout.TotalSeconds:F0} s and was killed.\n--- stdout ---\n{output}\n--- stderr ---\n{error}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new ProcessResult(command, process.ExitCode, output.ToString(), error.ToString(), clock.Elapsed);
    }
}
