namespace Diffusion.Functional.Plots.Figures;

/// <summary>The timesteps a figure shows, as fractions of T, so the figures work for any schedule length.</summary>
internal static class Steps
{
    /// <summary>round(fraction·T), at least 1 for a positive fraction; for the seed's T = 200, ½ ↦ 100.</summary>
    public static int At(int steps, double fraction) =>
        fraction <= 0 ? 0 : Math.Clamp((int)Math.Round(fraction * steps, MidpointRounding.AwayFromZero), 1, steps);

    /// <summary>The distinct steps of <paramref name="fractions"/> of T, in the order given.</summary>
    public static int[] AtAll(int steps, params double[] fractions) => fractions.Select(f => At(steps, f)).Distinct().ToArray();
}
