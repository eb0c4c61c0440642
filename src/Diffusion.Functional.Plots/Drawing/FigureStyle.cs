using ScottPlot;

namespace Diffusion.Functional.Plots.Drawing;

/// <summary>The look shared by all figures: font sizes and the colours of the two schedules and the reference curves.</summary>
internal static class FigureStyle
{
    public const float HeaderSize = 22;
    public const float PanelTitleSize = 16;
    public const float AxisLabelSize = 15;
    public const float TickSize = 12;
    public const float LegendSize = 13;

    /// <summary>The linear schedule (the seed's), and data histograms.</summary>
    public static readonly Color Linear = Color.FromHex("#1f77b4");

    /// <summary>The cosine schedule, and exact densities.</summary>
    public static readonly Color Cosine = Color.FromHex("#d62728");

    /// <summary>The N(0, 1) reference.</summary>
    public static readonly Color Reference = Color.FromHex("#222222");

    /// <summary>Histogram bars.</summary>
    public static readonly Color Bars = Color.FromHex("#9ecae1");
}
