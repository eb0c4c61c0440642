using System.CommandLine;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Npy;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion reverse</c>: the oracle reverse chain x_{t−1} ~ q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7) from
/// x_from ~ q(x_from | x_0) down to x_to; writes the last state, and optionally every frame.
/// </summary>
internal static class ReverseCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var digit = DigitSource.DigitOption();
        var from = new Option<int>("--from") { Description = "The start step t of the chain, 1..200; x_t is drawn from q(x_t | x_0).", Required = true }.AsWholeNumber("1..200");
        var to = new Option<int>("--to")
        {
            Description = "The last step of the chain, 0 ≤ to < from. Default 0: the chain ends at x_0 exactly (the seed's loop stopped at 1).",
            DefaultValueFactory = _ => 0,
        }.AsWholeNumber("0..from − 1");
        var seed = DigitSource.SeedOption();
        var output = new Option<string>("--out") { Description = "The file for the last state x_to: .png for a picture, .npy for the float32 array (28, 28).", Required = true };
        var frames = new Option<string?>("--frames")
        {
            Description = "A folder for every state of the chain: x_FROM.png … x_TO.png (3-digit steps, e.g. x_050.png), and chain.npy, "
                + "a float32 array (from − to + 1, 28, 28) in the chain's order.",
        };
        var mnist = DigitSource.MnistOption();
        var command = new Command("reverse",
            "Run the oracle reverse chain q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7) on a digit with the seed notebook's schedule. "
            + "x_from uses the key FromSeed(seed).Child(0); the step t → t − 1 uses FromSeed(seed).Child(1).Child(t).")
        {
            digit, from, to, seed, output, frames, mnist,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string path = parsed.GetValue(output)!;
            ImageOutput.KindOf(path);
            NoiseSchedule schedule = CanonicalSchedules.Seed;
            int start = parsed.GetValue(from), end = parsed.GetValue(to);
            if (start < 1 || start > schedule.Steps)
                throw new UsageException($"--from {start} is outside 1..{schedule.Steps}: steps are 1-based as in DDPM.");
            if (end < 0 || end >= start)
                throw new UsageException($"--to {end} is outside 0..{start - 1}: the chain runs down from --from {start}.");
            string? folder = parsed.GetValue(frames);
            // Refused before any work: an empty or file --frames, an --out that is a folder, or outputs that overwrite each other.
            var outputs = new List<(string, string)> { (path, "--out") };
            if (folder is not null)
            {
                if (string.IsNullOrWhiteSpace(folder))
                    throw new UsageException("--frames is empty; give the folder for the frames (e.g. --frames frames).");
                if (File.Exists(folder))
                    throw new UsageException($"--frames {folder} is a file, not a folder.");
                outputs.AddRange(Enumerable.Range(end, start - end + 1).Select(t => (Path.Combine(folder, FrameName(t)), "--frames")));
                outputs.Add((Path.Combine(folder, "chain.npy"), "--frames"));
            }
            AtomicFileSet.RequireDistinctFiles(outputs);
            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            int index = parsed.GetValue(digit);
            Image x0 = DigitSource.Digit(digits, index);
            ulong seedValue = parsed.GetValue(seed);
            NoiseKey root = NoiseKey.FromSeed(seedValue);
            Image xStart = ForwardProcess.Sample(schedule, x0, start, root.Child(0));
            ChainState[] states = OracleChain.Run(schedule, x0, xStart, start, root.Child(1)).TakeWhile(s => s.Step >= end).ToArray();

            // All or nothing: the frames, chain.npy and --out are staged and renamed into place only when all are written.
            using var files = new AtomicFileSet();
            if (folder is not null)
            {
                foreach (ChainState state in states)
                    files.Add(Path.Combine(folder, FrameName(state.Step)),
                        ImagePicture.RenderPng(state.X, $"{Title(state.Step)}, digit {index}, seed {seedValue}"));
                files.Add(Path.Combine(folder, "chain.npy"), NpyFile.Encode(states.Select(s => s.X).ToArray()));
            }
            ChainState last = states[^1];
            files.Add(path, ImageOutput.Encode(path, last.X, $"{Title(last.Step)} after {start - end} oracle steps from x{ForwardCommand.Subscript(start)}"));
            files.Commit();
            if (folder is not null) console.Output.WriteLine($"wrote {states.Length} frames x_{start} … x_{end} and chain.npy to {folder}");
            console.Output.WriteLine($"wrote {path}: x_{last.Step} of the oracle chain from x_{start}, digit {index} (class {digits.Label(index)}), seed {seedValue}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Title(int step) => $"x{ForwardCommand.Subscript(step)}";

    private static string FrameName(int step) => $"x_{step:D3}.png";
}
