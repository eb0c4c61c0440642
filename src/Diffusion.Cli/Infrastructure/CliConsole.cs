using System.Text.RegularExpressions;

namespace Diffusion.Cli.Infrastructure;

/// <summary>
/// Where a command writes, and the one place that turns exceptions into messages and exit codes: bad input
/// (ArgumentException from the core, UsageException from the CLI) → 2; I/O and data errors → 1.
/// </summary>
internal sealed partial class CliConsole(TextWriter output, TextWriter error)
{
    /// <summary>Standard output: results (CSV, tables, progress).</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error: what went wrong.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>True when this writes to the process's own standard output and neither it nor standard error is redirected: a terminal, where a progress bar belongs.</summary>
    public bool IsTerminal => ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>
    /// The core's parameter names that a CLI option sets, and the option that sets each: a library message such as
    /// "betaStart = 0 is outside the allowed range (0, 1)" reaches the user as "--beta-start 0 is outside …".
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> OptionOf = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["betaStart"] = "--beta-start",
        ["betaEnd"] = "--beta-end",
        ["offset"] = "--cosine-offset",
        ["maxBeta"] = "--max-beta",
        ["steps"] = "--steps",
        ["eta"] = "--eta",
        ["count"] = "--count",
    };

    /// <summary>Runs a command body and maps its failure to a message and an exit code.</summary>
    public int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ArgumentException e)
        {
            Error.WriteLine($"error: {InCliWords(e)}");
            return ExitCodes.Usage;
        }
        catch (UsageException e)
        {
            Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    [GeneratedRegex(@"\r?\nActual value was .*$", RegexOptions.Singleline)]
    private static partial Regex ActualValueLine();

    /// <summary>
    /// A library's ArgumentException as the CLI says it: without .NET's " (Parameter 'x')" and "Actual value was …"
    /// additions, and with each parameter an option sets written as that option ("betaStart = 0" → "--beta-start 0").
    /// </summary>
    internal static string InCliWords(ArgumentException e)
    {
        string message = e.Message;
        if (e.ParamName is { } parameter) message = message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal);
        message = ActualValueLine().Replace(message, "");
        foreach (var (name, option) in OptionOf)
        {
            message = Regex.Replace(message, $@"\b{name} = ", $"{option} ");
            if (name.Any(char.IsUpper)) message = Regex.Replace(message, $@"\b{name}\b", option); // camelCase names are never English words
        }
        if (e.ParamName is { } p && OptionOf.TryGetValue(p, out string? named) && !message.Contains(named, StringComparison.Ordinal))
            message = $"{named}: {message}";
        return message;
    }
}
