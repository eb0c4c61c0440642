namespace Diffusion.Cli.Infrastructure;

/// <summary>
/// Where a command writes, and the one place that turns exceptions into messages and exit codes: bad input
/// (ArgumentException from the core, UsageException from the CLI) → 2; I/O and data errors → 1.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error)
{
    /// <summary>Standard output: results (CSV, tables, progress).</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error: what went wrong.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Runs a command body and maps its failure to a message and an exit code.</summary>
    public int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or UsageException)
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
}
