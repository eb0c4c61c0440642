using System.Diagnostics;

namespace Diffusion.Functional.TestSupport;

/// <summary>Programs that tests run (a compiler, Python, Node): one runner, linked into each test project.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="program"/> to its end: exit code, standard output, standard error.</summary>
    /// <remarks>Both streams are read while it runs, so a chatty program cannot block on a full pipe; past
    /// <paramref name="limit"/> (2 minutes unless given) it is killed with its children and a TimeoutException thrown.</remarks>
    public static (int Code, string Output, string Error) Run(
        string program, IEnumerable<string> arguments, string? directory = null, TimeSpan? limit = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (directory is not null) start.WorkingDirectory = directory;
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        TimeSpan wait = limit ?? TimeSpan.FromMinutes(2);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(wait)) { process.Kill(entireProcessTree: true); throw new TimeoutException($"{program} did not finish in {wait}"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Whether <paramref name="program"/> exists here and exits with 0 for <paramref name="arguments"/>.</summary>
    public static bool Succeeds(string program, params string[] arguments)
    {
        try { return Run(program, arguments, limit: TimeSpan.FromSeconds(30)).Code == 0; }
        catch (System.ComponentModel.Win32Exception) { return false; } // no such program
    }
}
