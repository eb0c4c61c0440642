using Diffusion.Functional.Numerics;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Numerics;

public class AccurateMathTests
{
    // Both tricks are accurate to a few ulps (Goldberg 1991; Higham 2002, §1.14.1): 8 ulps = 8·2⁻⁵³ relative.
    private const double FewUlps = 8 * 1.1102230246251565e-16;

    // |x| ≤ 1e-3: the Taylor series to x⁷ has truncation below x⁸/8 ≈ 1e-25, far under an ulp of the result.
    private static readonly Gen<double> Small = Generators.LogUniform(1e-300, 1e-3).SelectMany(m => Gen.Elements(m, -m));

    private static double Log1PSeries(double x) => x - x * x / 2 + x * x * x / 3 - Math.Pow(x, 4) / 4 + Math.Pow(x, 5) / 5 - Math.Pow(x, 6) / 6 + Math.Pow(x, 7) / 7;
    private static double ExpM1Series(double x) => x + x * x / 2 + x * x * x / 6 + Math.Pow(x, 4) / 24 + Math.Pow(x, 5) / 120 + Math.Pow(x, 6) / 720 + Math.Pow(x, 7) / 5040;

    [Property(MaxTest = 500)]
    public Property Log1P_MatchesTheTaylorSeries_ForSmallArguments() =>
        Prop.ForAll(Small.ToArbitrary(), x => Approx.Relative(Log1PSeries(x), AccurateMath.Log1P(x), FewUlps, $"log1p({x:R})"));

    [Property(MaxTest = 500)]
    public Property ExpM1_MatchesTheTaylorSeries_ForSmallArguments() =>
        Prop.ForAll(Small.ToArbitrary(), x => Approx.Relative(ExpM1Series(x), AccurateMath.ExpM1(x), FewUlps, $"expm1({x:R})"));

    [Property(MaxTest = 300)]
    public Property Log1P_And_ExpM1_MatchTheNaiveFormsWhereTheseDoNotCancel() => Prop.ForAll(
        Generators.Uniform(0.5, 30).SelectMany(m => Gen.Elements(m, -Math.Min(m, 0.9))).ToArbitrary(), x =>
        {
            Approx.Relative(Math.Log(1 + x), AccurateMath.Log1P(x), FewUlps, $"log1p({x:R})");
            Approx.Relative(Math.Exp(x) - 1, AccurateMath.ExpM1(x), FewUlps, $"expm1({x:R})");
        });

    [Fact]
    public void Log1P_And_ExpM1_HandleTheirLimits()
    {
        Assert.Equal(double.NegativeInfinity, AccurateMath.Log1P(-1));
        Assert.Equal(-1.0, AccurateMath.ExpM1(-800));
        Assert.Equal(double.PositiveInfinity, AccurateMath.ExpM1(800));
        // The naive form loses every digit here; the accurate one keeps them all.
        Assert.Equal(1e-17, AccurateMath.Log1P(1e-17));
        Assert.NotEqual(1e-17, Math.Log(1 + 1e-17));
    }
}
