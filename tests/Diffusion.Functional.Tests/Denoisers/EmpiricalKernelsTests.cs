using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Denoisers;

/// <summary>
/// The vectorised loops of the empirical denoiser: every path gives the scalar path's bits (the Vector512 and Vector256
/// operations run, emulated, on any machine), and the squared distance is the sum of its terms to within its rounding.
/// </summary>
public class EmpiricalKernelsTests
{
    private static readonly NoisePath[] Paths = [NoisePath.Scalar, NoisePath.Vector256, NoisePath.Vector512];

    /// <summary>Two spans of one length 0..100 (every tail length after blocks of 16), and a scale a ∈ [0, 1].</summary>
    private static readonly Gen<(double[] X, double A, double[] Y)> Inputs =
        from length in Gen.Choose(0, 100)
        from x in Gen.ArrayOf(Generators.Uniform(-4, 4), length)
        from y in Gen.ArrayOf(Generators.Uniform(-1, 1), length)
        from a in Generators.Uniform(0, 1)
        select (x, a, y);

    [Property(MaxTest = 300)]
    public Property SquaredDistance_IsTheSameOnEveryPath_BitForBit() => Prop.ForAll(Inputs.ToArbitrary(), input =>
    {
        double scalar = EmpiricalKernels.SquaredDistance(NoisePath.Scalar, input.X, input.A, input.Y);
        foreach (NoisePath path in Paths)
        {
            double value = EmpiricalKernels.SquaredDistance(path, input.X, input.A, input.Y);
            Assert.True(BitConverter.DoubleToInt64Bits(scalar) == BitConverter.DoubleToInt64Bits(value),
                $"length {input.X.Length}: {path} gives {value:R}, the scalar path {scalar:R}.");
        }
    });

    [Property(MaxTest = 300)]
    public Property SquaredDistance_IsTheSumOfItsTerms_ToWithinItsRounding() => Prop.ForAll(Inputs.ToArbitrary(), input =>
    {
        // Reference: the same rounded terms (x_p − a·y_p)², summed with Neumaier's compensated sum, within 2⁻⁵³ of their
        // exact sum (plus terms in 2⁻¹⁰⁶·n). The kernel's longest chain of additions is n/16 + 4 (its partial sums, then
        // the pairwise tree) plus at most 15 tail pixels, so it is within (n/16 + 19)·2⁻⁵³ of the exact sum of these
        // non-negative terms (Higham 2002, §4.2).
        int n = input.X.Length;
        double sum = 0.0, compensation = 0.0;
        for (int p = 0; p < n; p++)
        {
            double d = input.X[p] - input.A * input.Y[p], term = d * d, next = sum + term;
            compensation += Math.Abs(sum) >= term ? (sum - next) + term : (term - next) + sum;
            sum = next;
        }
        double reference = sum + compensation;
        double bound = (n / 16.0 + 20) * Math.Pow(2, -53) * reference;
        foreach (NoisePath path in Paths)
            Approx.Absolute(reference, EmpiricalKernels.SquaredDistance(path, input.X, input.A, input.Y), bound, $"{path}, length {n}");
    });

    [Property(MaxTest = 200)]
    public Property AddScaled_IsThePixelByPixelLoop_OnEveryPath() => Prop.ForAll(Inputs.ToArbitrary(), input =>
    {
        double w = input.A;
        double[] expected = input.X.Select((m, p) => m + w * input.Y[p]).ToArray();
        foreach (NoisePath path in Paths)
        {
            double[] m = (double[])input.X.Clone();
            EmpiricalKernels.AddScaled(path, m, w, input.Y);
            Assert.Equal(expected, m);
        }
    });

    [Fact]
    public void Kernels_Reject_SpansOfDifferentLengths()
    {
        Assert.Contains("x has 3 values but y has 2", Assert.Throws<ArgumentException>(() => EmpiricalKernels.SquaredDistance(NoisePath.Scalar, new double[3], 1.0, new double[2])).Message);
        Assert.Contains("m has 2 values but y has 3", Assert.Throws<ArgumentException>(() => EmpiricalKernels.AddScaled(NoisePath.Scalar, new double[2], 1.0, new double[3])).Message);
    }
}
