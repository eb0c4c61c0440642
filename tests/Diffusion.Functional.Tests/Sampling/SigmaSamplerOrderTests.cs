using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The proof of order: for anisotropic diagonal Gaussian data the probability-flow ODE has a closed-form solution
/// (<see cref="DiagonalGaussianData.ProbabilityFlow"/>), so each deterministic sampler's global error is measured exactly,
/// without Monte Carlo, for chains of 4 to 721 steps; the fitted log-log slope over the asymptotic range must be the order
/// the registry claims, within ±0.2.
/// </summary>
public class SigmaSamplerOrderTests
{
    /// <summary>
    /// 721 noise levels from σ = 0.002 to 80 (Karras et al. 2022's range) on Karras's ρ = 7 grid (eq. 5) as the training
    /// schedule itself: a chain on every d-th timestep (d dividing 720) is again a ρ = 7 grid, so the steps shrink like 1/N
    /// with no rounding of timesteps.
    /// </summary>
    internal static readonly NoiseSchedule KarrasSchedule = SigmaSpace.ScheduleOfSigmas(SigmaSpace.KarrasSigmas(721, 0.002, 80.0)[..721].Reverse().ToArray());

    /// <summary>The same range on the λ-uniform (exponential) grid, where every step has the same h in λ.</summary>
    internal static readonly NoiseSchedule ExponentialSchedule = SigmaSpace.ScheduleOfSigmas(SigmaSpace.ExponentialSigmas(721, 0.002, 80.0)[..721].Reverse().ToArray());

    internal static readonly DiagonalGaussianData Data = new(1, 2, 2, [0.3, -0.5, 1.0, 0.0], [0.25, 1.0, 2.5, 0.04]);

    internal static readonly ImageBatch<double> Start = ImageBatch<double>.FromValues(1, 1, 2, 2, [1.2, -0.7, 0.4, -1.5]);

    /// <summary>Strides d dividing 720: chains of N = 720/d + 1 steps, τ_k = 1 + k·d (N = 4 … 721).</summary>
    internal static readonly int[] Strides = [240, 180, 120, 80, 60, 40, 30, 24, 20, 16, 12, 10, 8, 6, 5, 4, 3, 2, 1];

    internal static RespacedSchedule Chain(NoiseSchedule schedule, int stride) =>
        RespacedSchedule.FromTimesteps(schedule, Enumerable.Range(0, 720 / stride + 1).Select(k => 1 + k * stride));

    internal static (int Steps, double Error)[] Errors(ISampler sampler, NoiseSchedule schedule) =>
        Strides.Select(d => (720 / d + 1, SamplerConvergence.OdeError(sampler, Data, Chain(schedule, d), Start))).ToArray();

    /// <summary>Minus the least-squares slope of log error against log N over the chains with minSteps ≤ N ≤ maxSteps.</summary>
    internal static double Order(IEnumerable<(int Steps, double Error)> errors, int minSteps, int maxSteps = int.MaxValue)
    {
        var points = errors.Where(e => e.Steps >= minSteps && e.Steps <= maxSteps).Select(e => (X: Math.Log(e.Steps), Y: Math.Log(e.Error))).ToArray();
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        return -points.Sum(p => (p.X - mx) * (p.Y - my)) / points.Sum(p => (p.X - mx) * (p.X - mx));
    }

    // dpm-solver (order 3) is proven on the λ-uniform grid, its own (SinglestepSamplerTests): on this one its error
    // changes sign between N = 91 and 121 and the slope over N 121..721 is a crossover (docs/samplers.md).
    public static TheoryData<string> Deterministic => new(SamplerRegistry.All.Where(e => !e.Stochastic && e.Name is not ("ddim" or "ddpm-mean" or "ipndm" or "dpm-solver")).Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Deterministic))]
    public void EverySigmaSampler_ReachesTheOrderItsEntryClaims_AgainstTheExactOdeSolution(string name)
    {
        // Measured (N 121..721): euler 1.00, heun 2.02, dpmpp-2m 2.03, dpmpp-3m 3.04, lms 3.9 (it rises towards 4:
        // 3.74 over N 61..121, 3.93 over 361..721, its three lower-order start-up steps fading).
        SamplerEntry entry = SamplerRegistry.Find(name);
        var errors = Errors(entry.Create(new SamplerOptions()), KarrasSchedule);
        double order = Order(errors, 121);
        Assert.True(Math.Abs(order - entry.Order) <= 0.2, $"{name}: fitted order {order:F3} over N = 121..721, claimed {entry.Order}; errors {string.Join(", ", errors.Select(e => $"{e.Steps}:{e.Error:E2}"))}");
        // and the error falls monotonically once the steps resolve the ODE
        var tail = errors.Where(e => e.Steps >= 25).Select(e => e.Error).ToArray();
        for (int k = 1; k < tail.Length; k++) Assert.True(tail[k] < tail[k - 1], $"{name}: error grows from {tail[k - 1]:E3} to {tail[k]:E3}");
    }

    /// <summary>
    /// The first step's share of the final error, value by value and in closed form: the Euler step σ_N → σ_{N−1} (which
    /// is also DPM-Solver++(1), e^{−h} = σ_{N−1}/σ_N) misses the exact x̃(σ_{N−1}) by δ; the ODE carries a difference of two
    /// solutions as it carries x̃ − μ, by √((v + σ_1²)/(v + σ_{N−1}²)), and the final step multiplies it by v/(v + σ_1²).
    /// </summary>
    internal static double[] WarmUpError(NoiseSchedule schedule, int stride)
    {
        RespacedSchedule chain = Chain(schedule, stride);
        int n = chain.Count;
        double top = SigmaSpace.Sigma(schedule, chain.Timesteps[n - 1]), below = SigmaSpace.Sigma(schedule, chain.Timesteps[n - 2]);
        double bottom = SigmaSpace.Sigma(schedule, chain.Timesteps[0]), a = schedule.SqrtAlphaBar(chain.Timesteps[n - 1]);
        var carried = new double[Start.ValuesPerImage];
        for (int j = 0; j < carried.Length; j++)
        {
            double v = Data.Variance[j], mu = Data.Mean[j], x = Start.Values[j] / a;
            double exact = mu + (x - mu) * Math.Sqrt((v + below * below) / (v + top * top));
            double denoised = mu + v / (v + top * top) * (x - mu);
            double euler = below / top * x + (1.0 - below / top) * denoised;
            carried[j] = (euler - exact) * Math.Sqrt((v + bottom * bottom) / (v + below * below)) * v / (v + bottom * bottom);
        }
        return carried;
    }

    [Fact]
    public void Dpmpp3M_OnALambdaUniformGrid_IsHeldToSecondOrderByItsFirstOrderWarmUpStep()
    {
        // On the λ-uniform grid the first (first-order) step's local error O(h²)·D'(λ_N) is not small, and a multistep
        // method's global error is never better than its start-up's: the raw error's slope falls from ≈ 4 (N 25..181)
        // to 1.76 (N 361..721). Removing the closed-form contribution of that one step leaves an error of order ≥ 3.
        var sampler = new DpmSolverPlusPlus3MSampler();
        var raw = new List<(int, double)>();
        var residual = new List<(int, double)>();
        foreach (int d in Strides)
        {
            double[] errors = SamplerConvergence.OdeErrors(sampler, Data, Chain(ExponentialSchedule, d), Start);
            double[] warm = WarmUpError(ExponentialSchedule, d);
            raw.Add((720 / d + 1, errors.Max(Math.Abs)));
            residual.Add((720 / d + 1, errors.Select((e, j) => Math.Abs(e - warm[j])).Max()));
        }
        double rawOrder = Order(raw, 361), residualOrder = Order(residual, 241), early = Order(raw, 25, 181);
        Assert.True(early >= 2.8, $"pre-asymptotic order {early:F3}");
        Assert.True(Math.Abs(rawOrder - 2.0) <= 0.3, $"asymptotic raw order {rawOrder:F3}, expected 2 (the warm-up's)");
        Assert.True(residualOrder >= 2.8, $"order without the warm-up's error {residualOrder:F3}, expected ≥ 3");
    }

    [Fact]
    public void Ipndm_IsLmsOnAGridUniformInSigma_AndLosesItsOrderOnTheKarrasGrid()
    {
        // With equal steps the exact integrals of the Lagrange basis are the Adams–Bashforth weights (55, −59, 37, −9)/24,
        // so on a σ grid of equal steps iPNDM and LMS are one method and LMS's proof is iPNDM's. On the Karras grid the
        // constant weights ignore the changing step: a local error O(h·Δh) = O(h³) per step, so second order.
        NoiseSchedule uniform = SigmaSpace.ScheduleOfSigmas(Enumerable.Range(1, 721).Select(k => 80.0 * k / 721).ToArray());
        foreach (int d in new[] { 80, 20, 5 })
        {
            RespacedSchedule chain = Chain(uniform, d);
            double[] ipndm = SamplerConvergence.OdeErrors(new IpndmSampler(), Data, chain, Start);
            double[] lms = SamplerConvergence.OdeErrors(new LmsSampler(), Data, chain, Start);
            for (int j = 0; j < ipndm.Length; j++)
                Assert.True(Math.Abs(ipndm[j] - lms[j]) <= 1e-12, $"d = {d}, value {j}: ipndm {ipndm[j]:E6}, lms {lms[j]:E6}");
        }
        double order = Order(Errors(new IpndmSampler(), KarrasSchedule), 121);
        Assert.True(Math.Abs(order - 2.0) <= 0.2, $"ipndm on the Karras grid: order {order:F3}, expected 2");
    }

    [Theory]
    [InlineData(PredictionTarget.Epsilon)]
    [InlineData(PredictionTarget.X0)]
    [InlineData(PredictionTarget.V)]
    public void Euler_IsDdimWithEtaZero_InTheCoordinatesXOverSqrtAlphaBar(PredictionTarget target)
    {
        // x̃_{i−1} = x̃ + (σ_{i−1} − σ_i)(x̃ − D)/σ_i = x̂_0 + σ_{i−1}·ε̂, and multiplying by √ᾱ_{i−1} gives Song et al. 2021,
        // eq. 12 with η = 0: the two chains agree to rounding at every step, on any respacing.
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        foreach (int steps in new[] { 1, 7, 50, 1000 })
        {
            RespacedSchedule plan = RespacedSchedule.Uniform(schedule, steps);
            var data = new DiagonalGaussianData(3, 2, 2, [0.3, -0.5, 1.0, 0.0, 0.2, 0.1, -0.3, 0.7, 0.0, 0.5, -1.0, 0.25], [0.25, 1.0, 2.5, 0.04, 0.5, 0.1, 1.5, 0.3, 0.01, 2.0, 0.8, 1.1]);
            ImageBatch<double> start = data.Sample<double>(2, new NoiseKey(17));
            var denoiser = data.Denoiser<double>(schedule, target);
            NoiseKey[] keys = [new(1), new(2)];
            double[] euler = new EulerSampler().Run(new SamplerRun<double>(plan, denoiser, start, keys)).ToDoubleArray();
            double[] ddim = new DdimSampler(0.0).Run(new SamplerRun<double>(plan, denoiser, start, keys)).ToDoubleArray();
            for (int j = 0; j < euler.Length; j++)
                Assert.True(Math.Abs(euler[j] - ddim[j]) <= 1e-12 * Math.Max(1.0, Math.Abs(ddim[j])), $"{target}, N = {steps}, value {j}: euler {euler[j]:R}, ddim {ddim[j]:R}");
        }
    }
}
