using System.Globalization;
using System.Runtime.Intrinsics.X86;
using Diffusion.Functional.Tests.Support;
using Diffusion.Functional.TestSupport;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>
/// tools/bench/ziggurat_probe.c, the vector ziggurat that docs/performance.md ("A ziggurat, measured") compares with the
/// Box–Muller code, keeps the promise it was built to test: its scalar, AVX2 and AVX-512 builds (and the AVX2 build that
/// lists rejections in a branch) give the same bits, and every rejected candidate is finished, so no number is left as
/// a candidate's raw bits. Needs a C compiler and an AVX2 machine (<see cref="CCompiler.ForAvx2"/>).
/// </summary>
public class ZigguratProbeTests(ITestOutputHelper output)
{
    // A fix draws its tail from uniforms ≥ 2^-25, so |z| ≤ R + 25·ln 2 / R with R = 3.6541528853610088 (256 layers).
    private const double LargestMagnitude = 3.6541528853610088 + 25 * 0.6931471805599453 / 3.6541528853610088;

    [Fact]
    public void EveryBuild_GivesTheScalarBuildsBits_AndFinishesEveryRejectedCandidate()
    {
        string? compiler = CCompiler.ForAvx2(output);
        if (compiler is null) return;

        var builds = new List<(string Name, string[] Flags)>
        {
            ("scalar", ["-DSCALAR"]),
            ("AVX2", ["-mavx2"]),
            ("AVX2, rejections listed in a branch", ["-mavx2", "-DBRANCHY"]),
        };
        if (Avx512F.IsSupported) builds.Add(("AVX-512", ["-mavx512f", "-DW16"]));
        else output.WriteLine("The AVX-512 build is not run: this CPU has no AVX-512.");

        string folder = Directory.CreateTempSubdirectory("ziggurat-probe-").FullName;
        try
        {
            string source = Path.Combine(Repository.Root(), "tools", "bench", "ziggurat_probe.c");
            var programs = builds.Select((build, i) =>
            {
                string program = Path.Combine(folder, $"probe{i}");
                var (code, _, error) = ChildProcess.Run(compiler, ["-O2", "-mfma", .. build.Flags, source, "-o", program, "-lm"]);
                Assert.True(code == 0, $"{compiler} failed on the {build.Name} build ({code}): {error}");
                return (build.Name, Program: program);
            }).ToList();

            // 4,096 numbers hold about 60 rejected candidates; 17 and 1 end in a partial block.
            foreach (ulong key in new ulong[] { 0, 42, 2026 })
            {
                foreach (int length in new[] { 1, 17, 784, 4096 })
                {
                    string[] scalar = Bits(programs[0].Program, key, length);
                    for (int i = 0; i < length; i++)
                    {
                        float z = BitConverter.UInt32BitsToSingle(uint.Parse(scalar[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        Assert.True(float.IsFinite(z) && Math.Abs(z) <= LargestMagnitude,
                            $"key {key}, length {length}, number {i}: {z} (bits {scalar[i]}) is not a finished number (|z| ≤ {LargestMagnitude:F3}).");
                    }

                    foreach (var (name, program) in programs.Skip(1))
                    {
                        string[] bits = Bits(program, key, length);
                        int first = Enumerable.Range(0, length).FirstOrDefault(i => bits[i] != scalar[i], -1);
                        Assert.True(first < 0, $"key {key}, length {length}, number {first}: the {name} build gives {(first < 0 ? "" : bits[first])}, the scalar one {(first < 0 ? "" : scalar[first])}.");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string[] Bits(string program, ulong key, int length)
    {
        var (exit, stdout, stderr) = ChildProcess.Run(program, ["--bits", key.ToString(CultureInfo.InvariantCulture), length.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(exit == 0, $"{program} failed ({exit}): {stderr}");
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(length, lines.Length);
        return lines;
    }
}
