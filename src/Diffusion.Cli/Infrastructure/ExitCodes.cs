namespace Diffusion.Cli.Infrastructure;

/// <summary>The process exit codes of <c>diffusion</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command was well formed but failed (a file could not be read or written).</summary>
    public const int Failure = 1;

    /// <summary>A bad option or value: the message says what is wrong.</summary>
    public const int Usage = 2;
}
