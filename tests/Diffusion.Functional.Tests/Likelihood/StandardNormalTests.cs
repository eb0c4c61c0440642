using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Likelihood;

/// <summary>Cody's erfc and our log Φ against MathNet (Boost's erfc) and against the tail asymptotics.</summary>
public class StandardNormalTests
{
    [Property(MaxTest = 2000)]
    public Property Erfc_AgreesWithMathNet_ToAFewUlps() => Prop.ForAll(Generators.Uniform(-6, 6).ToArbitrary(), x =>
    {
        // MathNet's SpecialFunctions.Erfc (Boost's approximations) is accurate to a few ulps for |x| ≤ 6. (Beyond, it
        // drifts: at x = 15.239936 it is off by 1e-14 relative against mpmath, where ours is within an ulp; the mpmath
        // table below covers the tails.)
        Approx.Relative(SpecialFunctions.Erfc(x), ErrorFunction.Erfc(x), 4e-15, $"erfc({x:R})");
    });

    [Property(MaxTest = 2000)]
    public Property LogCdf_AgreesWithMathNet_WhereMathNetsErfcIsAccurate() => Prop.ForAll(Generators.Uniform(-8, 8).ToArbitrary(), x =>
    {
        // log(½·erfc(−x/√2)) with MathNet's erfc (4e-15 relative, above): the logarithms then agree to 4e-15 absolute,
        // and to 4e-15 relative where log Φ is near 0 (x large, log Φ ≈ −Φ(−x)).
        double expected = Math.Log(0.5 * SpecialFunctions.Erfc(-x / Constants.Sqrt2));
        if (x > 0) expected = Math.Log(1 - 0.5 * SpecialFunctions.Erfc(x / Constants.Sqrt2));
        double tolerance = x > 1 ? 4e-15 * Math.Abs(expected) + 1e-16 : 4e-15 * Math.Max(1.0, Math.Abs(expected));
        Approx.Absolute(expected, StandardNormal.LogCdf(x), tolerance, $"log Φ({x:R})");
    });

    /// <summary>log Φ(x) computed with mpmath 1.3.0 at 50 significant digits (log(ncdf(x))), rounded to 20 digits.</summary>
    public static TheoryData<double, double> MpmathLogCdf => new()
    {
        { -10000.0, -5.0000010129278915181e+7 },
        { -1000.0, -5.0000782669481218431e+5 },
        { -200.0, -2.0006217280898190402e+4 },
        { -60.0, -1.8050135606805671387e+3 },
        { -38.5, -7.4569527029041108133e+2 },
        { -38.0, -7.265572160188201301e+2 },
        { -36.74076, -6.7946528742518678407e+2 },
        { -34.944864, -6.1504528726232867531e+2 },
        { -34.797019, -6.098855600783392065e+2 },
        { -32.406359, -5.294842949892392737e+2 },
        { -31.539438, -5.0173925475147755362e+2 },
        { -30.521655, -4.7012415752377224414e+2 },
        { -30.0, -4.5432124395634319711e+2 },
        { -29.494379, -4.3926348078197411849e+2 },
        { -29.125519, -4.2843965715426821364e+2 },
        { -28.433644, -4.0850380028385611685e+2 },
        { -27.0, -3.6871614246865635257e+2 },
        { -26.44255, -3.5379956335034880819e+2 },
        { -24.817352, -3.1208257886444370524e+2 },
        { -20.593146, -2.1598507224044024422e+2 },
        { -20.32204, -2.1042570633327143904e+2 },
        { -20.0, -2.0391715537109726394e+2 },
        { -13.70268, -9.7423506292750433738e+1 },
        { -12.5, -8.1575967870743883217e+1 },
        { -9.278195, -4.6200353749501704941e+1 },
        { -8.0, -3.5013437159914549896e+1 },
        { -6.0, -2.0736768949974705655e+1 },
        { -5.0, -1.5064998393988725736e+1 },
        { -4.5, -1.2592419735713078666e+1 },
        { -4.137159, -1.0948656355447969542e+1 },
        { -3.0, -6.6077262215103495433 },
        { -2.507032, -5.1015203458562692578 },
        { -2.0, -3.7831843336820319488 },
        { -1.0, -1.8410216450092635058 },
        { -0.778056, -1.5220316125773781179 },
        { -0.777835, -1.5217331910629162405 },
        { -0.5, -1.1759117615936186089 },
        { -0.474035, -1.1465297893185221138 },
        { -0.1, -7.7615459273027332557e-1 },
        { -0.001, -6.9394538346696517879e-1 },
        { 0.0, -6.9314718055994530942e-1 },
        { 1e-08, -6.9314717258109973322e-1 },
        { 0.001, -6.923496142726882434e-1 },
        { 0.1, -6.1650501011502628874e-1 },
        { 0.3, -4.8141016158848120517e-1 },
        { 0.617082, -3.1278153891092867436e-1 },
        { 0.6627, -2.9270983033224509397e-1 },
        { 1.0, -1.7275377902344988953e-1 },
        { 1.5, -6.9143455612233982993e-2 },
        { 1.87777, -3.0671929048281819597e-2 },
        { 2.0, -2.3012909328963488465e-2 },
        { 3.0, -1.3508099647481937988e-3 },
        { 3.122487, -8.9705235689568778623e-4 },
        { 4.0, -3.167174337748926386e-5 },
        { 4.979797, -3.1825506381562944833e-7 },
        { 5.0, -2.8665161296376359338e-7 },
        { 5.446306, -2.5713317975560989942e-8 },
        { 6.5, -4.0160005839397591118e-11 },
        { 8.0, -6.2209605742717860585e-16 },
        { 9.5, -1.0494515075362607493e-21 },
    };

    [Theory]
    [MemberData(nameof(MpmathLogCdf))]
    public void LogCdf_MatchesHighPrecisionReferenceValues(double x, double expected)
    {
        // A few ulps everywhere (8 × 2⁻⁵³ relative), from the far lower tail (where Φ underflows) to the upper tail
        // (where log Φ ≈ −Φ(−x) is tiny).
        double actual = StandardNormal.LogCdf(x);
        Assert.True(double.IsFinite(actual), $"log Φ({x:R}) = {actual}"); // Approx.Relative lets ±∞ through
        Approx.Relative(expected, actual, 8.9e-16, $"log Φ({x:R})");
    }

    [Theory]
    [InlineData(-40.0)]
    [InlineData(-100.0)]
    [InlineData(-1e3)]
    [InlineData(-1e6)]
    public void LogCdf_InTheFarLowerTail_IsTheAsymptoticSeries(double x)
    {
        // log Φ(x) = −x²/2 − log(−x) − ½·log(2π) + log(1 − x⁻² + 3x⁻⁴ − 15x⁻⁶ + 105x⁻⁸ − …) (Abramowitz & Stegun 26.2.12);
        // the series is cut after x⁻⁸, so the error is below 945x⁻¹⁰ ≤ 1e-13 at x = −40.
        double z = 1.0 / (x * x);
        double series = 1 - z * (1 - 3 * z * (1 - 5 * z * (1 - 7 * z)));
        double expected = -0.5 * x * x - Math.Log(-x) - 0.5 * Math.Log(2 * Math.PI) + Math.Log(series);
        Approx.Relative(expected, StandardNormal.LogCdf(x), 4e-16 + 945 * Math.Pow(z, 5) / Math.Abs(expected), $"log Φ({x})");
        Assert.Equal(0.0, StandardNormal.Cdf(x));  // where Φ itself has long underflowed
    }

    [Fact]
    public void LogCdf_AtTheEnds_AndAtKnownPoints()
    {
        Assert.Equal(double.NegativeInfinity, StandardNormal.LogCdf(double.NegativeInfinity));
        Assert.Equal(0.0, StandardNormal.LogCdf(double.PositiveInfinity));
        Assert.Equal(0.5, StandardNormal.Cdf(0.0));
        Assert.Equal(Math.Log(0.5), StandardNormal.LogCdf(0.0));
        // Φ(1.959963984540054) = 0.975 (the two-sided 95 % point; NIST/Abramowitz & Stegun 26.2), to 1e-15.
        Approx.Relative(0.975, StandardNormal.Cdf(1.959963984540054), 1e-15, "Φ(1.96)");
        // log Φ(10) = −Φ(−10) to double precision; Φ(−10) = 7.619853024160527e-24 (Abramowitz & Stegun 26.2 tables / MathNet).
        Approx.Relative(-7.619853024160527e-24, StandardNormal.LogCdf(10.0), 1e-14, "log Φ(10)");
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.LogCdf(double.NaN));
    }

    [Property(MaxTest = 1000)]
    public Property LogIntervalProbability_IsTheDifferenceOfCdfs() => Prop.ForAll(
        Generators.Uniform(-12, 12).ToArbitrary(), Generators.LogUniform(1e-6, 20).ToArbitrary(), (a, width) =>
        {
            // Against MathNet's Φ(b) − Φ(a). Each of its CDFs is within a few ulps of Φ ≤ 1, so the difference is good to
            // about 8·2⁻⁵⁴ = 4.4e-16 absolute; ours errs by a few roundings of log Φ, i.e. ≤ 4u·Φ(b)·|log Φ(a)| ≤ 2e-16
            // absolute for a narrow interval, and 1e-12 relative where nearby log Φ cancel in a wide one.
            double b = a + width;
            double expected = Normal.CDF(0, 1, b) - Normal.CDF(0, 1, a);
            double actual = Math.Exp(StandardNormal.LogIntervalProbability(a, b));
            Approx.Absolute(expected, actual, 6.6e-16 + 1e-12 * expected, $"P({a:R} < Z ≤ {b:R})");
        });

    [Fact]
    public void LogIntervalProbability_IsAccurate_FarInTheTails()
    {
        // P(40 < Z ≤ 41) = Φ(−40) − Φ(−41), both far below the smallest double: the log stays exact, from the tails.
        double expected = StandardNormal.LogCdf(-40) + StandardNormal.LogOneMinusExp(StandardNormal.LogCdf(-40) - StandardNormal.LogCdf(-41));
        Assert.Equal(expected, StandardNormal.LogIntervalProbability(40, 41));
        Assert.True(expected < -800 && double.IsFinite(expected));
        Assert.Throws<ArgumentException>(() => StandardNormal.LogIntervalProbability(1, 1));
    }
}
