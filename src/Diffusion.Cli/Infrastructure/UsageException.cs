namespace Diffusion.Cli.Infrastructure;

/// <summary>A combination of options that cannot work; reported on stderr with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
