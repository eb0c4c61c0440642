using System.CommandLine;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;

namespace Diffusion.Cli.Commands;

/// <summary><c>diffusion digit</c>: exports one clean digit x_0 in [−1, 1] as a picture (.png) or a NumPy array (.npy).</summary>
internal static class DigitCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var digit = DigitSource.DigitOption();
        var output = new Option<string>("--out") { Description = "The file: .png for a picture, .npy for the float32 array (28, 28) in [−1, 1].", Required = true };
        var mnist = DigitSource.MnistOption();
        var command = new Command("digit", "Export the clean digit x_0 (pixels mapped to [−1, 1] as in DDPM) as a picture or a NumPy array.")
        {
            digit, output, mnist,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string path = parsed.GetValue(output)!;
            ImageOutput.KindOf(path);
            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            int index = parsed.GetValue(digit);
            Image x0 = DigitSource.Digit(digits, index);
            ImageOutput.Write(path, x0, $"x₀: MNIST digit {index}, a “{digits.Label(index)}”");
            console.Output.WriteLine($"wrote {path}: digit {index} (class {digits.Label(index)}) of {digits.Source}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
