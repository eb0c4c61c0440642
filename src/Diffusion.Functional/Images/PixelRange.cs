namespace Diffusion.Functional.Images;

/// <summary>The interval that clean data x_0 lives in: DDPM scales 8-bit pixels to [−1, 1] (Ho et al. 2020, §3.3).</summary>
public enum PixelRange
{
    /// <summary>[−1, 1], DDPM's data range and this library's default: byte b ↦ 2b/255 − 1.</summary>
    SignedUnit,

    /// <summary>[0, 1], torchvision's <c>ToTensor</c> range used by the seed notebook: byte b ↦ b/255.</summary>
    Unit,
}

/// <summary>Conversions between 8-bit pixels and a <see cref="PixelRange"/>.</summary>
public static class PixelRanges
{
    /// <summary>The smallest and largest value of the range.</summary>
    public static (double Min, double Max) Bounds(this PixelRange range) => range switch
    {
        PixelRange.SignedUnit => (-1.0, 1.0),
        PixelRange.Unit => (0.0, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, $"range = {range} is not a PixelRange (SignedUnit or Unit)."),
    };

    /// <summary>Maps a byte 0..255 linearly onto the range (0 ↦ Min, 255 ↦ Max).</summary>
    public static double FromByte(this PixelRange range, byte value)
    {
        var (min, max) = range.Bounds();
        return min + (max - min) * value / 255.0;
    }

    /// <summary>Maps a value back to the nearest byte, clamping values outside the range (for display and export).</summary>
    public static byte ToByte(this PixelRange range, double value)
    {
        var (min, max) = range.Bounds();
        double scaled = (value - min) / (max - min) * 255.0;
        if (double.IsNaN(scaled)) return 0;
        return (byte)Math.Clamp(Math.Round(scaled, MidpointRounding.AwayFromZero), 0.0, 255.0);
    }

    /// <summary>A width × height image from 8-bit pixels, mapped into the range.</summary>
    public static Image ImageFromBytes(this PixelRange range, int width, int height, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != (long)width * height)
            throw new ArgumentException($"bytes has {bytes.Length} values but a {width}×{height} image needs {(long)width * height}.", nameof(bytes));
        var pixels = new double[bytes.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = range.FromByte(bytes[i]);
        return Image.FromPixels(width, height, pixels);
    }
}
