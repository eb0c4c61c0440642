using SkiaSharp;

namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>How two PNGs differ once decoded: size, the number of pixels that differ, and the largest channel difference.</summary>
public sealed record PngComparison(int Width, int Height, int OtherWidth, int OtherHeight, long DifferingPixels, int MaxChannelDifference)
{
    /// <summary>Same size and every pixel equal (all four channels).</summary>
    public bool Identical => Width == OtherWidth && Height == OtherHeight && DifferingPixels == 0;

    /// <summary>Decodes both PNGs and compares them pixel by pixel.</summary>
    public static PngComparison Of(byte[] expected, byte[] actual)
    {
        using SKBitmap a = Decode(expected, "expected"), b = Decode(actual, "actual");
        if (a.Width != b.Width || a.Height != b.Height)
            return new PngComparison(a.Width, a.Height, b.Width, b.Height, (long)Math.Max(a.Width * a.Height, b.Width * b.Height), 255);
        long differing = 0;
        int max = 0;
        for (int y = 0; y < a.Height; y++)
        {
            for (int x = 0; x < a.Width; x++)
            {
                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                int d = Math.Max(Math.Max(Math.Abs(p.Red - q.Red), Math.Abs(p.Green - q.Green)), Math.Max(Math.Abs(p.Blue - q.Blue), Math.Abs(p.Alpha - q.Alpha)));
                if (d == 0) continue;
                differing++;
                max = Math.Max(max, d);
            }
        }
        return new PngComparison(a.Width, a.Height, b.Width, b.Height, differing, max);
    }

    /// <summary>"identical", or how many pixels differ and by how much.</summary>
    public string Describe() => Identical
        ? "identical"
        : Width != OtherWidth || Height != OtherHeight
            ? $"sizes differ: {Width}×{Height} against {OtherWidth}×{OtherHeight}"
            : $"{DifferingPixels} of {(long)Width * Height} pixels differ ({100.0 * DifferingPixels / ((long)Width * Height):F3}%), by at most {MaxChannelDifference}/255 in a channel";

    private static SKBitmap Decode(byte[] png, string which) =>
        SKBitmap.Decode(png) ?? throw new InvalidDataException($"The {which} image is not a PNG that decodes.");
}
