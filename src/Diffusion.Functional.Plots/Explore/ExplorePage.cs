using System.Reflection;
using System.Text;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Plots.Explore;

/// <summary>
/// The explorer: one self-contained HTML page (its data, script and style inside; no server, no network) that shows
/// q(x_t | x_0) (DDPM eq. 4) and the posterior q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7) of real digits under a slider over
/// t, the oracle chain down to x_0, linear against cosine schedule curves, and DDPM and DDIM runs from pure noise
/// with the empirical denoiser. Every number and pixel on it is computed here; the page only displays them.
/// </summary>
public static class ExplorePage
{
    /// <summary>The page's file name in the folder <c>diffusion plots</c> writes (docs/images/explore.html).</summary>
    public const string FileName = "explore.html";

    /// <summary>The child of a seed's key the page draws all its noise from: <c>NoiseKey.FromSeed(seed).Child(KeyId)</c>.</summary>
    public const ulong KeyId = 1000;

    /// <summary>The key all of the page's noise is drawn from for a user's seed: <c>NoiseKey.FromSeed(seed).Child(KeyId)</c>.</summary>
    public static NoiseKey KeyFor(ulong seed) => NoiseKey.FromSeed(seed).Child(KeyId);

    private const string TemplateResource = "Diffusion.Functional.Plots.Explore.explore.html";
    private const string DataMarker = "{{EXPLORE_DATA}}";

    /// <summary>
    /// The page as UTF-8 bytes for <paramref name="data"/> and a seed: the same data and seed give the same bytes.
    /// It holds q(x_t | x_0) samples (DDPM eq. 4), posterior means (DDPM eq. 7), oracle chains and sampler runs
    /// (DDPM Algorithm 2; DDIM, Song et al. 2021, eq. 12), all keyed by <c>NoiseKey.FromSeed(seed).Child(KeyId)</c>.
    /// </summary>
    /// <param name="data">The figure data: the seed's schedule for the views, DDPM's for generation, real digits.</param>
    /// <param name="seed">The noise seed (<see cref="FigureCatalogue.DefaultSeed"/> for docs/images).</param>
    public static byte[] RenderHtml(FigureData data, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var model = ExploreData.Compute(data, KeyFor(seed), seed);
        string json = Encoding.UTF8.GetString(ExploreJson.Write(model));
        string html = Template().Replace(DataMarker, json, StringComparison.Ordinal);
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(html);
    }

    private static string Template()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(TemplateResource)
            ?? throw new InvalidOperationException($"The assembly lacks its embedded resource {TemplateResource}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // A checkout with CRLF line ends must still write the same bytes.
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
