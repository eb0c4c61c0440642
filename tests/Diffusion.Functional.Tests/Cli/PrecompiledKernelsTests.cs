using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;
using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// The AVX2 kernels stay in the precompiled image: a process's first forward call on that path compiles no method
/// (docs/performance.md, "No warm-up cliff" and "The tails"). crossgen2 leaves a kernel to the JIT without an error
/// when, for example, it passes a Vector256 to a call; this is the check that notices.
/// </summary>
public class PrecompiledKernelsTests
{
    [Fact]
    public void FirstForwardCall_OnTheAvx2Path_CompilesNoMethod_WhereTheCoreIsPrecompiled()
    {
        string bin = AppContext.BaseDirectory;
        // The core is precompiled only when built on linux-x64 (the compiler is per host), for x86-64-v3 (the image's
        // code is ignored where one of these is missing).
        bool v3 = Avx2.IsSupported && Fma.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Lzcnt.IsSupported;
        if (RuntimeInformation.RuntimeIdentifier != "linux-x64" || !v3) return;
        Assert.True(HasReadyToRunCode(Path.Combine(bin, "Diffusion.Functional.dll")),
            "The core in the test's output has no precompiled code although this is a linux-x64 build: crossgen2 did not run.");

        // A fresh process (the first call is what is measured), on the AVX2 path even on an AVX-512 machine.
        var (code, output, error) = ChildProcess.Run(
            "dotnet", [Path.Combine(bin, "diffusion.dll"), "bench", "--first-calls", "--json", "--paths", "this"],
            environment: new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" }, limit: TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"diffusion bench --first-calls exited with {code}: {error}");
        JsonObject run = Assert.Single(JsonNode.Parse(output)!["first_calls"]!.AsArray())!.AsObject();
        Assert.Equal("Vector256", run["noise_path"]!.GetValue<string>());
        long compiled = run["first_call_jit_methods"]!.GetValue<long>();
        Assert.True(compiled == 0,
            $"Call 1 on the AVX2 path JIT-compiled {compiled} methods ({run["first_call_jit_us"]} µs): a kernel lost its precompiled " +
            "code (crossgen2 --verbose says why, e.g. \"Abi unstable type Vector256 … requires runtime JIT\").");
    }

    private static bool HasReadyToRunCode(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0;
    }
}
