namespace Diffusion.Cli.Infrastructure;

/// <summary>A combination of options that cannot work; reported on stderr with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
