using System.CommandLine;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary><c>diffusion forward</c>: one sample x_t ~ q(x_t | x_0) of a digit (DDPM eq. 4), as a picture or a NumPy array.</summary>
internal static class ForwardCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var digit = DigitSource.DigitOption();
        var step = new Option<int>("--t") { Description = "The step t of x_t, 1..200 (1-based as in DDPM: --t 100 is x_100).", Required = true }.AsWholeNumber("1..200");
        var seed = DigitSource.SeedOption();
        var output = new Option<string>("--out") { Description = "The file: .png for a picture, .npy for the float32 array (28, 28).", Required = true };
        var mnist = DigitSource.MnistOption();
        var command = new Command("forward",
            "Noise a digit: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4) with the seed notebook's schedule (linear, T = 200, β 1e-4 → 0.02) "
            + "and ε from NoiseKey.FromSeed(seed).")
        {
            digit, step, seed, output, mnist,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string path = parsed.GetValue(output)!;
            ImageOutput.KindOf(path);
            NoiseSchedule schedule = CanonicalSchedules.Seed;
            int t = parsed.GetValue(step);
            if (t < 1 || t > schedule.Steps)
                throw new UsageException($"--t {t} is outside 1..{schedule.Steps}: steps are 1-based as in DDPM (t = 0 is the clean digit; use 'diffusion digit').");
            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            int index = parsed.GetValue(digit);
            Image x0 = DigitSource.Digit(digits, index);
            ulong seedValue = parsed.GetValue(seed);
            Image xt = ForwardProcess.Sample(schedule, x0, t, NoiseKey.FromSeed(seedValue));
            ImageOutput.Write(path, xt, $"x{Subscript(t)} ~ q(x{Subscript(t)} | x₀), digit {index}, seed {seedValue}");
            console.Output.WriteLine($"wrote {path}: x_{t} of digit {index} (class {digits.Label(index)}), ᾱ_{t} = {schedule.AlphaBar(t):G4}, seed {seedValue}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string Subscript(int n) => string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => "₀₁₂₃₄₅₆₇₈₉"[c - '0']));
}
