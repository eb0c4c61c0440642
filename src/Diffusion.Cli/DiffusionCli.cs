using System.CommandLine;
using Diffusion.Cli.Commands;
using Diffusion.Cli.Infrastructure;

namespace Diffusion.Cli;

/// <summary>The <c>diffusion</c> command: builds the command tree and runs it with the given writers.</summary>
internal static class DiffusionCli
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code (0 ok, 1 failure, 2 bad usage).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = new CliConsole(output, error);
        var root = new RootCommand("Diffusion.Functional: the mathematics of denoising diffusion (DDPM), reproducible, with the figures that explain it.");
        foreach (Command command in Commands(console)) root.Subcommands.Add(command);

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) error.WriteLine($"error: {parseError.Message}");
            error.WriteLine($"Run 'diffusion {string.Join(' ', CommandPath(parsed))} --help' for the options.".Replace("  ", " "));
            return ExitCodes.Usage;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    // One line per command: each lives in its own file under Commands/.
    private static IEnumerable<Command> Commands(CliConsole console)
    {
        yield return ScheduleCommand.Create(console);
        yield return PlotsCommand.Create(console);
        yield return ForwardCommand.Create(console);
        yield return ReverseCommand.Create(console);
        yield return DigitCommand.Create(console);
        yield return SampleCommand.Create(console);
        yield return SamplersCommand.Create(console);
        yield return BenchCommand.Create(console);
        yield return ExploreCommand.Create(console);
        yield return LikelihoodCommand.Create(console);
        yield return QualityCommand.Create(console);
    }

    private static IEnumerable<string> CommandPath(ParseResult parsed)
    {
        var names = new Stack<string>();
        for (var result = parsed.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            names.Push(result.Command.Name);
        return names;
    }
}
