// What a fresh process's first forward-noising call spends its time on, from the runtime's own events: the types it
// loads (each with its own time, nested loads inside it), the precompiled methods it binds and the methods it
// JIT-compiles. `diffusion bench --first-calls` measures the call; this says where its time goes
// (docs/performance.md, "The floor of call 1").
//
//   taskset -c 0 dotnet run -c Release tools/bench/first_call_trace.cs                           # this machine's path
//   DOTNET_EnableAVX512=0 taskset -c 0 dotnet run -c Release tools/bench/first_call_trace.cs     # the AVX2 path
//
// The call is the bench's: 784 pixels, DDPM's linear schedule (T = 1000), t = 500, key FromSeed(13).Child(0).
#:project ../../src/Diffusion.Functional/Diffusion.Functional.csproj
#:property Nullable=enable
#:property PublishAot=false

using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

const int Pixels = 784;
using var listener = new RuntimeEvents();
var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
var x0 = new float[Pixels];
var y = new float[Pixels];
for (int j = 0; j < Pixels; j++) x0[j] = (j % 17) / 8f - 1f;
int[] t = [500];
NoiseKey root = NoiseKey.FromSeed(13);
Thread.Sleep(300);   // the listener's session is running before the call

DateTime start = DateTime.UtcNow;
long ticks = Stopwatch.GetTimestamp();
ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(0), y);
double call1 = Stopwatch.GetElapsedTime(ticks).TotalMicroseconds;
DateTime end = DateTime.UtcNow;
ticks = Stopwatch.GetTimestamp();
ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(1), y);
double call2 = Stopwatch.GetElapsedTime(ticks).TotalMicroseconds;
Thread.Sleep(500);   // the events arrive on the listener's thread, after the fact

var events = listener.Between(start, end);
var loads = new List<(string Name, double Start, double Micros, int Depth)>();
var open = new Dictionary<long, (double Start, int Depth)>();
int bound = 0, compiled = 0;
foreach (var (time, name, payload) in events)
{
    double at = (time - start).TotalMicroseconds;
    switch (name)
    {
        case "TypeLoadStart":
            open[Convert.ToInt64(payload["TypeLoadStartID"])] = (at, open.Count);
            break;
        case "TypeLoadStop" when open.Remove(Convert.ToInt64(payload["TypeLoadStartID"]), out var began):
            loads.Add(((string)payload["TypeName"]!, began.Start, at - began.Start, began.Depth));
            break;
        case "R2RGetEntryPoint":
            bound++;
            break;
        case "MethodJittingStarted_V1":
            compiled++;
            break;
    }
}

Console.WriteLine($"call 1: {call1:F0} µs (call 2: {call2:F1} µs); {(Vector512.IsHardwareAccelerated ? "AVX-512" : Avx2.IsSupported ? "AVX2" : "no AVX2")} machine as the runtime sees it");
Console.WriteLine($"  precompiled methods bound: {bound}; methods JIT-compiled: {compiled}");
double top = loads.Where(l => l.Depth == 0).Sum(l => l.Micros);
Console.WriteLine($"  type loads: {loads.Count} ({loads.Count(l => l.Depth == 0)} outermost), {top:F0} µs of the call in the outermost ones");
foreach (var load in loads.OrderBy(l => l.Start))
{
    Console.WriteLine($"  {load.Start,8:F0} µs  {new string(' ', 2 * load.Depth)}{load.Name}: {load.Micros:F0} µs");
}

/// <summary>The runtime's type-load, precompiled-code and JIT events, with their own timestamps.</summary>
sealed class RuntimeEvents : EventListener
{
    // TypeDiagnostic (0x8000000000), CompilationDiagnostic (0x2000000000, R2R entry points), JIT (0x10).
    private const long Keywords = 0x8000000000 | 0x2000000000 | 0x10;
    private readonly List<(DateTime, string, IReadOnlyDictionary<string, object?>)> _events = [];

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)Keywords);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        var payload = new Dictionary<string, object?>();
        for (int i = 0; i < (e.PayloadNames?.Count ?? 0); i++) payload[e.PayloadNames![i]] = e.Payload![i];
        lock (_events) _events.Add((e.TimeStamp.ToUniversalTime(), e.EventName ?? "", payload));
    }

    public List<(DateTime Time, string Name, IReadOnlyDictionary<string, object?> Payload)> Between(DateTime from, DateTime to)
    {
        lock (_events) return _events.Where(e => e.Item1 >= from && e.Item1 <= to).OrderBy(e => e.Item1).ToList();
    }
}
