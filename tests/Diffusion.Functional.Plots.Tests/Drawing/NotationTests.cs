using Diffusion.Functional.Plots.Drawing;

namespace Diffusion.Functional.Plots.Tests.Drawing;

public class NotationTests
{
    [Theory]
    [InlineData(4.0358297653756835e-05, "4.0·10⁻⁵")] // ᾱ_1000 of DDPM's schedule
    [InlineData(9.96e-4, "9.96·10⁻⁴", 3)]
    [InlineData(2.5e-12, "2.5·10⁻¹²")]
    [InlineData(0.0015, "0.0015")]
    [InlineData(0.2, "0.2")]
    [InlineData(0.0, "0")]
    [InlineData(-3e-7, "−3.0·10⁻⁷")]
    public void NumberOrPower_WritesSmallNumbersAsPowersOfTen(double value, string expected, int digits = 2) =>
        Assert.Equal(expected, Notation.NumberOrPower(value, digits));
}
