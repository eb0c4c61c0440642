using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Plots.Figures;
using ScottPlot;

namespace Diffusion.Functional.Plots;

/// <summary>
/// One figure of the catalogue: a pure function from <see cref="FigureData"/> and a noise key to a ScottPlot
/// multiplot, drawn at a fixed size with the shipped font, so the same data and key give the same PNG.
/// </summary>
/// <param name="Id">Which figure.</param>
/// <param name="FileName">The PNG's file name in docs/images, e.g. "seed-forward.png".</param>
/// <param name="Caption">One sentence saying what the figure shows.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record Figure(FigureId Id, string FileName, string Caption, int Width, int Height)
{
    /// <summary>The figure as a ScottPlot multiplot (with the shipped font set), for data and a key.</summary>
    public Multiplot Build(FigureData data, NoiseKey key)
    {
        ArgumentNullException.ThrowIfNull(data);
        ShippedFont.Register();
        Multiplot figure = Id switch
        {
            FigureId.SeedForward => SeedForwardFigure.Build(data, key),
            FigureId.SeedReverse => SeedReverseFigure.Build(data, key),
            FigureId.ForwardStrip => ForwardStripFigure.Build(data, key),
            FigureId.OracleChainStrip => OracleChainStripFigure.Build(data, key),
            FigureId.ScheduleCurves => ScheduleCurvesFigure.Build(data),
            FigureId.PixelHistogram => PixelHistogramFigure.Build(data, key),
            FigureId.DigitClassGrid => DigitClassGridFigure.Build(data, key),
            FigureId.GenerationStrip => GenerationStripFigure.Build(data, key),
            FigureId.SamplerComparison => SamplerComparisonFigure.Build(data, key),
            FigureId.SamplerOrder => SamplerOrderFigure.Build(),
            FigureId.LossWeighting => LossWeightingFigure.Build(),
            FigureId.StochasticLaw => StochasticLawFigure.Build(),
            FigureId.NetworkQuality => QualityFigure.Build(QualityFigure.ShippedCsv()),
            FigureId.NetworkDigits => NetworkDigitsFigure.Build(data, key),
            FigureId.NetworkSamplers => NetworkSamplersFigure.Build(data, key),
            _ => throw new ArgumentOutOfRangeException(nameof(Id), Id, $"Id = {Id} is not a FigureId."),
        };
        foreach (Plot plot in figure.Subplots.GetPlots()) ShippedFont.ApplyTo(plot);
        return figure;
    }

    /// <summary>True when the figure samples <see cref="FigureData.Network"/> (Ho &amp; Salimans 2022, eq. 6): its pixels follow the network's arithmetic, which may differ in the last bits between CPUs.</summary>
    public bool SamplesNetwork => Id is FigureId.NetworkDigits or FigureId.NetworkSamplers;

    /// <summary>The figure as PNG bytes of <see cref="Width"/> × <see cref="Height"/> pixels.</summary>
    public byte[] RenderPng(FigureData data, NoiseKey key) => Panels.Png(Build(data, key), Width, Height);
}
