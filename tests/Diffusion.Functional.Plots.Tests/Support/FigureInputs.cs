using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;

namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>The data the figures are drawn from in the docs: the shipped sample, prepared exactly as <c>diffusion plots</c> does.</summary>
public static class FigureInputs
{
    private static readonly Lazy<FigureData> Sample = new(() => DigitSource.FigureData(MnistSample.Load()));

    /// <summary>The figure data of the shipped sample.</summary>
    public static FigureData FromShippedSample => Sample.Value;

    /// <summary>Figure <paramref name="id"/> drawn from the shipped sample with the key of <paramref name="seed"/>.</summary>
    public static byte[] Render(FigureId id, ulong seed = FigureCatalogue.DefaultSeed) =>
        FigureCatalogue.Get(id).RenderPng(FromShippedSample, FigureCatalogue.KeyFor(id, seed));
}
