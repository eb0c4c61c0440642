using System.Runtime.Intrinsics.X86;
using Diffusion.Functional.TestSupport;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Support;

/// <summary>The C compiler for the tests that build the AVX2 programs in tools/bench.</summary>
internal static class CCompiler
{
    /// <summary>
    /// gcc or cc, where one runs and this CPU has AVX2 and FMA; otherwise null, after writing why the test does not run.
    /// .ci/run installs gcc and sets DIFFUSION_TEST_REQUIRE_CC=1, which turns a missing compiler into a failure.
    /// </summary>
    public static string? ForAvx2(ITestOutputHelper output)
    {
        string? compiler = new[] { "gcc", "cc" }.FirstOrDefault(program => ChildProcess.Succeeds(program, "--version"));
        if (compiler is not null && Avx2.IsSupported && Fma.IsSupported) return compiler;
        Assert.False(compiler is null && Environment.GetEnvironmentVariable("DIFFUSION_TEST_REQUIRE_CC") == "1",
            "DIFFUSION_TEST_REQUIRE_CC=1 but neither gcc nor cc runs here (Debian: apt-get install gcc).");
        output.WriteLine(compiler is null ? "Not run: no C compiler (.ci/run installs gcc)." : "Not run: this CPU has no AVX2 and FMA.");
        return null;
    }
}
