using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Images;

/// <summary>Images of standard normal noise ε ~ N(0, I), drawn from the project's one keyed generator.</summary>
public static class NoiseImage
{
    /// <summary>
    /// A width × height image whose pixels are numbers 0..W·H−1 of the stream <paramref name="key"/>
    /// (<see cref="GaussianNoise"/>): the same key gives the same image, bit for bit, everywhere.
    /// </summary>
    public static Image StandardNormal(NoiseKey key, int width, int height)
    {
        if (width < 1 || height < 1)
            throw new ArgumentOutOfRangeException(width < 1 ? nameof(width) : nameof(height),
                $"A noise image needs width ≥ 1 and height ≥ 1; got {width}×{height}.");
        return Image.Own(width, height, GaussianNoise.Sample(key, checked(width * height)));
    }

    /// <summary>Standard normal noise with the shape of <paramref name="like"/>.</summary>
    public static Image StandardNormalLike(NoiseKey key, Image like) => StandardNormal(key, like.Width, like.Height);
}
