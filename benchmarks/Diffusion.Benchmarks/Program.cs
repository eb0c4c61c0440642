using BenchmarkDotNet.Running;

namespace Diffusion.Benchmarks;

/// <summary>Runs the benchmarks named by the BenchmarkDotNet arguments, e.g. <c>--filter '*'</c> (docs/performance.md).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
