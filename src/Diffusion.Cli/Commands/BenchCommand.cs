using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Cli.Infrastructure;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion bench</c>: an in-process measurement of the batch kernels and the batched sampler on this machine, on
/// the workload of docs/performance.md (256 MNIST-sized float32 images), for every instruction-set path the machine
/// has (the lower paths in child processes started with the runtime's knobs), at 1 thread and at all cores. Each
/// kernel is warmed up until its rate is stable, then timed in several rounds: the median is the figure, min and max
/// the spread. BenchmarkDotNet (benchmarks/Diffusion.Benchmarks) gives the published figures.
/// </summary>
internal static class BenchCommand
{
    private const double MinSeconds = 0.01, MaxSeconds = 8.0;

    /// <summary>
    /// The runtime knob that takes each path away (.NET 10: <c>DOTNET_EnableAVX512</c>; the older
    /// <c>DOTNET_EnableAVX512F</c> is ignored by .NET 10 and leaves the Vector512 path on, measured).
    /// </summary>
    public static IReadOnlyList<(string Path, string? Variable)> PathKnobs { get; } =
    [
        ("Vector512", null),
        ("Vector256", "DOTNET_EnableAVX512"),
        ("Scalar", "DOTNET_EnableAVX2"),
    ];

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table: the first run's rates at the top level (forward_images_per_s, chain_pixel_steps_per_s, noise_samples_per_s, sampler_pixel_steps_per_s, sampler_step_us_one_image, threads, noise_path), every run under \"runs\" with median, min, max and whether its warm-up became stable." };
        var threads = new Option<int>("--threads")
        {
            Description = "Measure with this many threads only, ≥ 1; default: 1 thread, then all cores.",
        }.AsWholeNumber($"≥ 1 (above this machine's {Environment.ProcessorCount} cores it is clamped to them)");
        var seconds = new Option<double>("--seconds")
        {
            Description = $"Time per kernel in seconds, in [{MinSeconds}, {MaxSeconds}]: at most this long warming up (until {BenchMeasurement.StableWindow} rounds agree within {BenchMeasurement.StableTolerance:P0}), then this long in {BenchMeasurement.Rounds} timed rounds; default 1, about a minute for every path and thread count.",
            DefaultValueFactory = _ => 1.0,
        }.AsRealNumber($"[{MinSeconds}, {MaxSeconds}]");
        var paths = new Option<string>("--paths")
        {
            Description = "all: this machine's fastest instruction-set path here and each lower one in a child process (DOTNET_EnableAVX512=0 for Vector256, DOTNET_EnableAVX2=0 for Scalar); this: only the path of this process.",
            DefaultValueFactory = _ => "all",
        }.AcceptOnlyFromAmong("all", "this");
        var firstCalls = new Option<bool>("--first-calls")
        {
            Description = $"Instead of the rates: time the first {BenchMeasurement.FirstCalls} forward-noising calls of one 28×28 image in this fresh process against {BenchMeasurement.FirstCalls} warm calls (issue 13 asks for at most 2×). Pin to one core to see what a short process pays: taskset -c 0.",
        };

        var command = new Command("bench",
            $"Measure the batch kernels on this machine: A forward noising ({BenchMeasurement.Images} images of 28×28, a random t each), B the oracle posterior chain ({BenchMeasurement.ChainStart - BenchMeasurement.ChainStop} steps), C N(0, 1) noise, D the batched DDPM sampler with an exact denoiser; for each instruction-set path and thread count, the median of {BenchMeasurement.Rounds} rounds after a warm-up that waits for a stable rate.")
        {
            json, threads, seconds, paths, firstCalls,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            int? threadOption = parsed.GetResult(threads) is { Implicit: false } ? parsed.GetValue(threads) : null;
            if (threadOption < 1)
                throw new UsageException($"--threads {threadOption} is not allowed; give at least 1 thread.");
            double duration = parsed.GetValue(seconds);
            if (!(duration >= MinSeconds && duration <= MaxSeconds))
                throw new UsageException($"--seconds {duration.ToString(CultureInfo.InvariantCulture)} is outside [{MinSeconds}, {MaxSeconds}].");
            if (threadOption > Environment.ProcessorCount)
            {
                // More threads than cores cannot run at once; the kernels clamp to the cores, and the result says so.
                console.Error.WriteLine($"note: --threads {threadOption} is more than this machine's {Environment.ProcessorCount} cores; measuring with {Environment.ProcessorCount}.");
                threadOption = Environment.ProcessorCount;
            }
            int[] threadCounts = threadOption is { } n ? [n] : new[] { 1, Environment.ProcessorCount }.Distinct().ToArray();
            bool allPaths = parsed.GetValue(paths) == "all";

            // What a child process for a lower path is asked (it adds --paths this --json).
            var childArguments = new List<string> { "--seconds", duration.ToString("R", CultureInfo.InvariantCulture) };
            if (threadOption is { } given) childArguments.AddRange(["--threads", given.ToString(CultureInfo.InvariantCulture)]);
            if (parsed.GetValue(firstCalls)) childArguments.Add("--first-calls");
            JsonObject result = parsed.GetValue(firstCalls)
                ? FirstCallsReport(allPaths, childArguments)
                : RatesReport(threadCounts, duration, allPaths, childArguments);
            console.Output.Write(parsed.GetValue(json) ? ToJson(result) : ToText(result));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The path this process runs (the same test as the generator's own choice, <c>GaussianNoise.BestPath</c>).</summary>
    public static string ThisPath() =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512DQ.IsSupported ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : "Scalar";

    /// <summary>The paths below <paramref name="path"/>, each with the knob that selects it in a child process.</summary>
    public static IEnumerable<(string Path, string Variable)> LowerPaths(string path) =>
        PathKnobs.SkipWhile(p => p.Path != path).Skip(1).Select(p => (p.Path, p.Variable!));

    /// <summary>Rates of every kernel at every thread count on this path, then (when asked) on the lower paths.</summary>
    private static JsonObject RatesReport(int[] threadCounts, double seconds, bool allPaths, IReadOnlyList<string> arguments)
    {
        var measurement = new BenchMeasurement();
        var runs = new JsonArray();
        foreach (int threads in threadCounts)
        {
            var kernels = new JsonObject();
            foreach (BenchMeasurement.Kernel kernel in measurement.Kernels(threads))
            {
                BenchMeasurement.Rate rate = BenchMeasurement.Measure(kernel.UnitsPerCall, seconds, kernel.Call);
                kernels[kernel.Name] = new JsonObject
                {
                    ["unit"] = kernel.Unit,
                    ["label"] = kernel.Label,
                    ["median"] = Math.Round(rate.Median),
                    ["min"] = Math.Round(rate.Min),
                    ["max"] = Math.Round(rate.Max),
                    ["spread"] = Math.Round(rate.Spread, 4),
                    ["median_per_cpu_s"] = Math.Round(rate.MedianPerCpuSecond),
                    ["warm_up_s"] = Math.Round(rate.WarmUpSeconds, 3),
                    ["stable"] = rate.Stable,
                };
            }
            runs.Add(new JsonObject { ["noise_path"] = ThisPath(), ["threads"] = threads, ["kernels"] = kernels });
        }

        var skipped = new JsonArray();
        if (allPaths) RunLowerPaths(arguments, runs, skipped);

        JsonObject first = runs[0]!.AsObject();
        JsonObject k = first["kernels"]!.AsObject();
        double Median(string name) => k[name]!["median"]!.GetValue<double>();
        return new JsonObject
        {
            ["forward_images_per_s"] = Median("forward"),
            ["chain_pixel_steps_per_s"] = Median("chain"),
            ["noise_samples_per_s"] = Median("noise"),
            ["sampler_pixel_steps_per_s"] = Median("sampler"),
            ["sampler_step_us_one_image"] = Math.Round(1e6 / Median("sampler_one_image"), 2),
            ["threads"] = first["threads"]!.GetValue<int>(),
            ["noise_path"] = first["noise_path"]!.GetValue<string>(),
            ["stable"] = runs.All(r => r!["kernels"]!.AsObject().All(kv => kv.Value!["stable"]!.GetValue<bool>())),
            ["machine"] = Machine(),
            ["runs"] = runs,
            ["skipped_paths"] = skipped,
        };
    }

    /// <summary>The first-calls measurement on this path, then (when asked) in a fresh child process per lower path.</summary>
    private static JsonObject FirstCallsReport(bool allPaths, IReadOnlyList<string> arguments)
    {
        BenchMeasurement.FirstCallsResult r = BenchMeasurement.MeasureFirstCalls();
        var runs = new JsonArray
        {
            new JsonObject
            {
                ["noise_path"] = ThisPath(),
                ["first_call_us"] = Math.Round(r.FirstCallMicroseconds, 1),
                ["first_1000_calls_us"] = Math.Round(r.FirstCallsMicroseconds, 1),
                ["calls_2_to_1000_us"] = Math.Round(r.LaterCallsMicroseconds, 1),
                ["steady_1000_calls_us"] = Math.Round(r.SteadyMicroseconds, 1),
                ["ratio"] = Math.Round(r.Ratio, 3),
                ["ratio_without_first_call"] = Math.Round(r.LaterRatio, 3),
                ["slowest_100_us_per_call"] = Math.Round(r.SlowestHundred, 3),
                ["first_call_jit_us"] = Math.Round(r.FirstCallJitMicroseconds, 1),
                ["first_call_jit_methods"] = r.FirstCallJitMethods,
                ["calls_2_to_1000_jit_methods"] = r.LaterCallsJitMethods,
            },
        };
        var skipped = new JsonArray();
        if (allPaths) RunLowerPaths(arguments, runs, skipped);
        return new JsonObject { ["machine"] = Machine(), ["first_calls"] = runs, ["skipped_paths"] = skipped };
    }

    /// <summary>
    /// Runs this command again with <c>--paths this --json</c> in a child process per lower path and appends its runs
    /// (a path that cannot be run that way is listed in <paramref name="skipped"/> with the reason).
    /// </summary>
    private static void RunLowerPaths(IReadOnlyList<string> arguments, JsonArray runs, JsonArray skipped)
    {
        string section = runs[0]!["kernels"] is null ? "first_calls" : "runs";
        foreach (var (path, variable) in LowerPaths(ThisPath()))
        {
            string? failure = null;
            if (Assembly.GetEntryAssembly() != typeof(BenchCommand).Assembly || Environment.ProcessPath is null)
            {
                failure = "not run as the diffusion tool, so no child process can be started";
            }
            else
            {
                try
                {
                    JsonObject child = RunChild(arguments, variable);
                    foreach (JsonNode? run in child[section]!.AsArray().ToArray())
                    {
                        string? childPath = run!["noise_path"]!.GetValue<string>();
                        if (childPath != path)
                        {
                            failure = $"{variable}=0 gave the {childPath} path, not {path}";
                            break;
                        }
                        run.Parent!.AsArray().Remove(run);
                        run["environment"] = $"{variable}=0";
                        runs.Add(run);
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or JsonException)
                {
                    failure = e.Message;
                }
            }
            if (failure is not null) skipped.Add(new JsonObject { ["noise_path"] = path, ["reason"] = failure });
        }
    }

    /// <summary>This command in a child process with <paramref name="variable"/>=0, its JSON parsed.</summary>
    private static JsonObject RunChild(IReadOnlyList<string> arguments, string variable)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Under `dotnet diffusion.dll` the process is the dotnet host, which needs the assembly first.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        start.ArgumentList.Add("bench");
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--paths");
        start.ArgumentList.Add("this");
        start.ArgumentList.Add("--json");
        start.Environment[variable] = "0";
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"the child process with {variable}=0 exited with {child.ExitCode}: {error.Result.Trim()}");
        return JsonNode.Parse(output)?.AsObject() ?? throw new InvalidOperationException("the child process printed no JSON");
    }

    private static JsonObject Machine() => new()
    {
        ["processor_count"] = Environment.ProcessorCount,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
        ["avx512"] = Avx512F.IsSupported,
        ["avx2"] = Avx2.IsSupported,
    };

    /// <summary>The result as one indented JSON object.</summary>
    public static string ToJson(JsonObject result) =>
        result.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>The result as tables: one per path and thread count, or the first-calls figures.</summary>
    public static string ToText(JsonObject result)
    {
        static string Si(double value) => value >= 1e9
            ? (value / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " G"
            : (value / 1e6).ToString("F3", CultureInfo.InvariantCulture) + " M";
        static string F(JsonNode? node, string format) => node!.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        if (result["first_calls"] is JsonArray calls)
        {
            text.AppendLine($"diffusion bench --first-calls: the first {BenchMeasurement.FirstCalls} forward-noising calls of one 28×28 image in a fresh process, against {BenchMeasurement.FirstCalls} warm calls");
            foreach (JsonNode? run in calls)
            {
                text.AppendLine($"  {run!["noise_path"]} path{(run["environment"] is { } env ? $" ({env})" : "")}:");
                text.AppendLine($"    call 1 {F(run["first_call_us"], "F1")} µs; calls 1–1000 {F(run["first_1000_calls_us"], "F1")} µs; calls 2–1000 {F(run["calls_2_to_1000_us"], "F1")} µs; 1000 warm calls {F(run["steady_1000_calls_us"], "F1")} µs");
                text.AppendLine($"    the JIT during call 1: {F(run["first_call_jit_us"], "F1")} µs, {run["first_call_jit_methods"]} methods; during calls 2–1000: {run["calls_2_to_1000_jit_methods"]} methods");
                text.AppendLine($"    first 1000 / warm = {F(run["ratio"], "F2")}× (without call 1: {F(run["ratio_without_first_call"], "F2")}×); slowest block of 100: {F(run["slowest_100_us_per_call"], "F2")} µs per call");
            }
        }
        else
        {
            text.AppendLine($"diffusion bench: {BenchMeasurement.Images} float32 images of 28×28, DDPM linear schedule (T = 1000); median of {BenchMeasurement.Rounds} rounds [min – max]");
            foreach (JsonNode? run in result["runs"]!.AsArray())
            {
                int threads = run!["threads"]!.GetValue<int>();
                text.AppendLine($"{run["noise_path"]} path{(run["environment"] is { } env ? $" ({env})" : "")}, {threads} thread{(threads == 1 ? "" : "s")},");
                foreach (var (name, kernel) in run["kernels"]!.AsObject())
                {
                    string unstable = kernel!["stable"]!.GetValue<bool>() ? "" : "  (never stable)";
                    string label = kernel["label"]!.GetValue<string>();
                    if (name == "sampler_one_image")
                    {
                        double median = kernel["median"]!.GetValue<double>();
                        text.AppendLine($"  {"   D, a batch of one image: microseconds per step",-58}{(1e6 / median).ToString("F2", CultureInfo.InvariantCulture),10} µs   [{(1e6 / kernel["max"]!.GetValue<double>()).ToString("F2", CultureInfo.InvariantCulture)} – {(1e6 / kernel["min"]!.GetValue<double>()).ToString("F2", CultureInfo.InvariantCulture)}]{unstable}");
                        continue;
                    }
                    text.AppendLine($"  {label,-58}{Si(kernel["median"]!.GetValue<double>()),10} {kernel["unit"]}   [{Si(kernel["min"]!.GetValue<double>())} – {Si(kernel["max"]!.GetValue<double>())}]{unstable}");
                }
            }
            if (!result["stable"]!.GetValue<bool>())
                text.AppendLine($"note: some rates never became stable (3 warm-up rounds within {BenchMeasurement.StableTolerance:P0}) in the time given: the machine is busy or --seconds is short.");
            text.AppendLine("PyTorch 1.13's in-place idiom on the same machine: tools/bench/pytorch_reference.py; figures in docs/performance.md.");
        }
        foreach (JsonNode? skip in result["skipped_paths"]!.AsArray())
            text.AppendLine($"note: the {skip!["noise_path"]} path was not measured: {skip["reason"]}.");
        return text.ToString();
    }
}
