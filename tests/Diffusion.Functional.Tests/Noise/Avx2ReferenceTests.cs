using Diffusion.Functional.Noise;
using Diffusion.Functional.Tests.Support;
using Diffusion.Functional.TestSupport;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>
/// tools/bench/avx2_reference.c, the C copy of the AVX2 generator that docs/performance.md measures the JIT's code
/// against, gives the library's numbers bit for bit, so that its speed is the speed of the same computation. Needs a C
/// compiler (gcc or cc) and an AVX2 machine; .ci/run installs gcc and sets DIFFUSION_TEST_REQUIRE_CC=1, which turns
/// a missing compiler into a failure; elsewhere the test says that it did not run.
/// </summary>
public class Avx2ReferenceTests(ITestOutputHelper output)
{
    [Fact]
    public void CReference_GivesTheLibrarysNumbers_BitForBit()
    {
        string? compiler = CCompiler.ForAvx2(output);
        if (compiler is null) return;

        string folder = Directory.CreateTempSubdirectory("avx2-reference-").FullName;
        try
        {
            string program = Path.Combine(folder, "avx2_reference");
            string source = Path.Combine(Repository.Root(), "tools", "bench", "avx2_reference.c");
            var (code, _, error) = ChildProcess.Run(compiler, ["-O2", "-mavx2", "-mfma", source, "-o", program]);
            Assert.True(code == 0, $"{compiler} failed ({code}): {error}");

            // Lengths: a partial first block, one whole block and a partial one, the bench's image, and more.
            foreach (ulong seed in new ulong[] { 0, 42, 2026 })
            {
                foreach (int length in new[] { 5, 45, 784, 1000 })
                {
                    var (exit, stdout, stderr) = ChildProcess.Run(program, ["--bits", seed.ToString(), length.ToString()]);
                    Assert.True(exit == 0, $"avx2_reference failed ({exit}): {stderr}");
                    string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    Assert.Equal(length, lines.Length);
                    float[] expected = NoiseStatistics.Fill(NoiseKey.FromSeed(seed), length, NoisePath.Scalar);
                    for (int i = 0; i < length; i++)
                    {
                        uint bits = BitConverter.SingleToUInt32Bits(expected[i]);
                        Assert.True(lines[i] == bits.ToString("X8"),
                            $"seed {seed}, length {length}, number {i}: C gives {lines[i]}, the library {bits:X8}.");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
