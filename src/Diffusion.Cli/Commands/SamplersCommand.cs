using System.CommandLine;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Sampling;

namespace Diffusion.Cli.Commands;

/// <summary><c>diffusion samplers</c>: the sampler registry as a table, or one name per line for scripts.</summary>
internal static class SamplersCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var names = new Option<bool>("--names") { Description = "Print only the names, one per line (for scripts)." };
        var command = new Command("samplers", "List the samplers 'diffusion sample --sampler NAME' accepts: name, order, denoiser evaluations per step, options and source.")
        {
            names,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            if (parsed.GetValue(names))
            {
                foreach (string name in SamplerRegistry.Names) console.Output.WriteLine(name);
                return ExitCodes.Ok;
            }
            int width = SamplerRegistry.Names.Max(name => name.Length);
            console.Output.WriteLine($"{"name".PadRight(width)}  order  NFE/step  noise  options  what it does (source)");
            foreach (SamplerEntry entry in SamplerRegistry.All)
            {
                string options = entry.Options.Count == 0 ? "-" : string.Join(",", entry.Options.Select(option => "--" + option));
                console.Output.WriteLine(
                    $"{entry.Name.PadRight(width)}  {entry.Order,5}  {entry.EvaluationsPerStep,8}  {(entry.Stochastic ? "yes" : "no"),5}  {options,-7}  {entry.Description} ({entry.Source})");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
