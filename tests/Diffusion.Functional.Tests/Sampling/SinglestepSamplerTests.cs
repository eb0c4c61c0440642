using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The samplers that evaluate the denoiser between the training grid's levels (Heun's churn, DPM-2, DPM-2 ancestral,
/// DPM-Solver++(2S) ancestral, singlestep DPM-Solver): their order against the exact ODE solution, the exact output law
/// of the stochastic ones, their identities with the on-grid samplers and with k-diffusion's formulas, and their edge cases.
/// </summary>
public class SinglestepSamplerTests(ITestOutputHelper output)
{
    private static readonly (double Mu, double V)[] Laws = [(0.3, 0.25), (-0.5, 2.5), (1.0, 0.04)];

    private (int Steps, double Error)[] Errors(string name, ISampler sampler, NoiseSchedule schedule)
    {
        var errors = SigmaSamplerOrderTests.Errors(sampler, schedule);
        output.WriteLine($"{name}: {string.Join(", ", errors.Select(e => $"{e.Steps}:{e.Error:E2}"))}; order N 121..721 {SigmaSamplerOrderTests.Order(errors, 121):F3}");
        return errors;
    }

    private (int Steps, double Error)[] WeakErrors(string name, ISampler sampler, double mu, double v)
    {
        var errors = SigmaSamplerOrderTests.Strides.Select(d =>
        {
            RespacedSchedule plan = SigmaSamplerOrderTests.Chain(SigmaSamplerOrderTests.KarrasSchedule, d);
            var (m, variance) = AncestralLawTests.Law(sampler, plan, mu, v);
            return (Steps: plan.Count, Error: AncestralLawTests.W2(m, variance, mu, v));
        }).ToArray();
        output.WriteLine($"{name}, μ = {mu}, v = {v}: {string.Join(", ", errors.Select(e => $"{e.Steps}:{e.Error:E2}"))}; weak order N 121..721 {SigmaSamplerOrderTests.Order(errors, 121):F3}");
        return errors;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void DpmSolver_OfOrdersOneAndTwo_ReachesItsOrder_OnTheKarrasGrid(int order)
    {
        // Measured, N 121..721: 0.999 and 2.015 (Lu et al. 2022, Theorem 3.2: DPM-Solver-k converges at order k).
        double fitted = SigmaSamplerOrderTests.Order(Errors($"dpm-solver-{order}", new DpmSolverSampler(order), SigmaSamplerOrderTests.KarrasSchedule), 121);
        Assert.True(Math.Abs(fitted - order) <= 0.2, $"DPM-Solver-{order}: fitted order {fitted:F3}");
    }

    [Fact]
    public void DpmSolver3_IsThirdOrder_OnTheLambdaUniformGrid_AndOnlyAsymptoticallySoOnTheKarrasGrid()
    {
        // λ-uniform (Lu et al.'s logSNR steps): 3.0 over N 121..721. On the Karras ρ = 7 grid the error falls at ≈ 5 up to
        // N ≈ 91, changes sign between N = 91 and 121 (the third-order term and the higher ones cancel), and its local
        // slope then rises towards 3: 2.43 over N 241..361, 2.72 over 361..721.
        var uniform = Errors("dpm-solver-3, λ-uniform", new DpmSolverSampler(3), SigmaSamplerOrderTests.ExponentialSchedule);
        double fitted = SigmaSamplerOrderTests.Order(uniform, 121);
        Assert.True(Math.Abs(fitted - 3.0) <= 0.2, $"DPM-Solver-3 on the λ-uniform grid: fitted order {fitted:F3}");
        var karras = Errors("dpm-solver-3, Karras", new DpmSolverSampler(3), SigmaSamplerOrderTests.KarrasSchedule);
        double early = SigmaSamplerOrderTests.Order(karras, 25, 91), last = SigmaSamplerOrderTests.Order(karras, 361), before = SigmaSamplerOrderTests.Order(karras, 241, 361);
        Assert.True(early >= 2.8, $"Karras grid, N 25..91: {early:F3}");
        Assert.True(last > before && last >= 2.5 && last <= 3.2, $"Karras grid: local slope {before:F3} (N 241..361) then {last:F3} (361..721), rising towards 3");
    }

    [Fact]
    public void DpmppTwoS_WithEtaZero_IsDpmSolverPlusPlus2S_OfOrderTwo()
    {
        // Lu et al. 2022b, Algorithm 1 (r = 1/2) is second order; measured 2.000 over N 121..721.
        double fitted = SigmaSamplerOrderTests.Order(Errors("dpmpp-2s (η = 0)", new DpmSolverPlusPlus2SAncestralSampler(0.0), SigmaSamplerOrderTests.KarrasSchedule), 121);
        Assert.True(Math.Abs(fitted - 2.0) <= 0.2, $"DPM-Solver++(2S): fitted order {fitted:F3}");
    }

    private static double[] RunOn(ISampler sampler, IBatchDenoiser<double> denoiser, RespacedSchedule plan)
    {
        var start = ImageBatch<double>.FromValues(2, 3, 2, 2, Enumerable.Range(0, 24).Select(k => Math.Sin(1.7 * k + 0.3) * 1.3).ToArray());
        return sampler.Run(new SamplerRun<double>(plan, denoiser, start, [new NoiseKey(5), new NoiseKey(6)])).ToDoubleArray();
    }

    [Fact]
    public void Dpm2_IsKDiffusionsSampleDpm2_WrittenInItsOwnForm()
    {
        // k-diffusion's sample_dpm_2 (S_churn = 0): d = (x − D)/σ, σ_mid = exp(lerp(log σ, log σ', ½)), x₂ = x + d·(σ_mid − σ),
        // x ← x + d₂·(σ' − σ) with d₂ = (x₂ − D(x₂; σ_mid))/σ_mid; Euler onto σ' = 0.
        DiagonalGaussianData data = SamplerEdgeCaseTests.Data;
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 13);
        var denoiser = data.Denoiser<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0);
        double[] ours = RunOn(SamplerRegistry.Find("dpm2").Create(new SamplerOptions()), denoiser, plan);
        var start = ImageBatch<double>.FromValues(2, 3, 2, 2, Enumerable.Range(0, 24).Select(k => Math.Sin(1.7 * k + 0.3) * 1.3).ToArray());
        int n = plan.Count, per = 12;
        double[] x = start.Values.ToArray().Select(v => v / plan.Schedule.SqrtAlphaBar(n)).ToArray();
        double D(double xt, double sigma, int j) { var (k, o) = data.DenoisedAt(sigma, j); return k * xt + o; }
        for (int i = n; i >= 1; i--)
        {
            double sigma = SigmaSpace.Sigma(plan.Schedule, i), sigmaNext = i == 1 ? 0.0 : SigmaSpace.Sigma(plan.Schedule, i - 1);
            for (int p = 0; p < x.Length; p++)
            {
                double d = (x[p] - D(x[p], sigma, p % per)) / sigma;
                if (sigmaNext == 0.0) { x[p] += d * (sigmaNext - sigma); continue; }
                double mid = Math.Exp(0.5 * (Math.Log(sigma) + Math.Log(sigmaNext)));
                double x2 = x[p] + d * (mid - sigma);
                double d2 = (x2 - D(x2, mid, p % per)) / mid;
                x[p] += d2 * (sigmaNext - sigma);
            }
        }
        for (int p = 0; p < x.Length; p++) Assert.True(Math.Abs(ours[p] - x[p]) <= 1e-12 * Math.Max(1.0, Math.Abs(x[p])), $"value {p}: ours {ours[p]:R}, k-diffusion's form {x[p]:R}");
    }

    [Fact]
    public void DpmSolver1_IsEuler_AndDpm2AncestralWithEtaZero_IsDpm2_BitForBit()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 17);
        var denoiser = SamplerEdgeCaseTests.Data.Denoiser<double>(CanonicalSchedules.Ddpm, PredictionTarget.V);
        Assert.Equal(RunOn(new EulerSampler(), denoiser, plan), RunOn(new DpmSolverSampler(1), denoiser, plan));
        Assert.Equal(RunOn(new DpmSolverSampler(2), denoiser, plan), RunOn(new Dpm2AncestralSampler(0.0), denoiser, plan));
    }

    /// <summary>Today's Heun (Karras et al. 2022, Algorithm 1), written out with the same roundings as the sampler's combinations.</summary>
    private static double[] ReferenceHeun(IBatchDenoiser<double> denoiser, RespacedSchedule plan, double[] start)
    {
        NoiseSchedule schedule = plan.Schedule;
        int n = plan.Count;
        double top = schedule.SqrtAlphaBar(n);
        double[] x = start.Select(v => v / top).ToArray();
        double[] Denoise(double[] state, int i)
        {
            var level = NoiseLevel.At(schedule, i);
            double[] scaled = state.Select(v => level.SqrtAlphaBar * v).ToArray();
            var prediction = new double[scaled.Length];
            denoiser.Predict(ImageBatch<double>.FromValues(2, 3, 2, 2, scaled), [plan.Timesteps[i - 1], plan.Timesteps[i - 1]], prediction, []);
            return prediction; // an x_0-denoiser: D itself
        }
        for (int i = n; i >= 1; i--)
        {
            double sigma = SigmaSpace.Sigma(schedule, i), sigmaNext = i == 1 ? 0.0 : SigmaSpace.Sigma(schedule, i - 1);
            double[] d = Denoise(x, i);
            double[] euler = x.Select((v, p) => Math.FusedMultiplyAdd((sigma - sigmaNext) / sigma, d[p], sigmaNext / sigma * v)).ToArray();
            if (sigmaNext == 0.0) { x = euler; continue; }
            double[] d2 = Denoise(euler, i - 1);
            double h = sigmaNext - sigma;
            double cx = 1.0 + 0.5 * h / sigma, cd = -0.5 * h / sigma, ce = 0.5 * h / sigmaNext, cc = -0.5 * h / sigmaNext;
            x = x.Select((v, p) => Math.FusedMultiplyAdd(cc, d2[p], Math.FusedMultiplyAdd(ce, euler[p], Math.FusedMultiplyAdd(cd, d[p], cx * v)))).ToArray();
        }
        return x;
    }

    [Fact]
    public void HeunWithoutChurn_IsTodaysHeun_BitForBit_AndNeverLeavesTheGrid()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 23);
        var exact = SamplerEdgeCaseTests.Data.Denoiser<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0);
        // a denoiser with no off-grid evaluation at all: churn = 0 must not need one
        IBatchDenoiser<double> onGrid = BatchDenoiser.Create<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0, (xt, t, p) => exact.Predict(xt, t, p, []));
        var start = Enumerable.Range(0, 24).Select(k => Math.Sin(1.7 * k + 0.3) * 1.3).ToArray();
        double[] reference = ReferenceHeun(exact, plan, start);
        double[] heun = RunOn(new HeunSampler(), onGrid, plan);
        Assert.Equal(reference.Select(BitConverter.DoubleToInt64Bits), heun.Select(BitConverter.DoubleToInt64Bits));
        // the other churn settings do nothing while S_churn = 0
        Assert.Equal(heun, RunOn(new HeunSampler(0.0, 0.1, 10.0, 1.5), onGrid, plan));
        Assert.Equal(heun, RunOn(SamplerRegistry.Find("heun").Create(new SamplerOptions()), exact, plan));
    }

    [Fact]
    public void HeunsGamma_IsAlgorithm2s_ClampedAndWindowed()
    {
        var heun = new HeunSampler(Churn: 80.0, ChurnSigmaMin: 0.05, ChurnSigmaMax: 50.0);
        Assert.Equal(Math.Sqrt(2.0) - 1.0, heun.Gamma(1.0, 10)); // 80/10 clamped to √2 − 1
        Assert.Equal(80.0 / 400, heun.Gamma(1.0, 400));
        Assert.Equal(0.0, heun.Gamma(0.04, 400));
        Assert.Equal(0.0, heun.Gamma(51.0, 400));
        Assert.Equal(0.0, new HeunSampler().Gamma(1.0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeunSampler(Churn: -1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeunSampler(ChurnSigmaMin: 2.0, ChurnSigmaMax: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverSampler(4));
    }

    [Fact]
    public void StochasticSinglestepSamplers_OutputLaw_ApproachesTheDataLaw_AtWeakOrderTwo_AndBelowEulerAncestral()
    {
        // No weak order is stated by the papers (k-diffusion's ancestral variants; Karras et al.'s churn). Measured weak
        // orders over N 121..721 for (μ, v) = (0.3, 0.25), (−0.5, 2.5), (1, 0.04): dpm2-ancestral 2.08, 2.02, 2.41;
        // dpmpp-2s-ancestral 1.93, 1.98, 1.76; heun S_churn = 10 2.06, 2.01, 2.43 (v = 0.04 not yet asymptotic).
        foreach (var (name, sampler) in new (string, ISampler)[]
                 {
                     ("dpm2-ancestral", new Dpm2AncestralSampler()), ("dpmpp-2s-ancestral", new DpmSolverPlusPlus2SAncestralSampler()),
                     ("heun, S_churn = 10", new HeunSampler(Churn: 10.0)),
                 })
        {
            foreach (var (mu, v) in Laws)
            {
                var errors = WeakErrors(name, sampler, mu, v);
                double order = SigmaSamplerOrderTests.Order(errors, 121);
                Assert.True(order >= 1.7, $"{name}, μ = {mu}, v = {v}: weak order {order:F3}, expected ≈ 2");
                foreach (var (steps, error) in errors.Where(e => e.Steps >= 25))
                {
                    var (m, variance) = AncestralLawTests.Law(new EulerAncestralSampler(), SigmaSamplerOrderTests.Chain(SigmaSamplerOrderTests.KarrasSchedule, 720 / (steps - 1)), mu, v);
                    Assert.True(error < AncestralLawTests.W2(m, variance, mu, v), $"{name}, N = {steps}: W₂ {error:E3} not below euler-ancestral's");
                }
            }
        }
    }

    [Fact]
    public void HeunWithNoiseInflation_HasABiasThatMoreStepsDoNotRemove()
    {
        // S_noise > 1 adds (S_noise² − 1)·Σ(σ̂² − σ²) of extra variance, a sum that does not vanish as N grows (γ = S_churn/N):
        // the W₂ to the data law levels off (measured 2.00e-3 at N = 361, 1.63e-3 at 721 for μ = 0.3, v = 0.25),
        // where S_noise = 1 keeps falling at order ≈ 2.
        var inflated = WeakErrors("heun 40/0.05/50/1.003", new HeunSampler(40.0, 0.05, 50.0, 1.003), 0.3, 0.25);
        var plain = WeakErrors("heun 40/0.05/50/1", new HeunSampler(40.0, 0.05, 50.0, 1.0), 0.3, 0.25);
        Assert.True(inflated[^2].Error / inflated[^1].Error < 1.5, "S_noise = 1.003 should level off");
        Assert.True(plain[^2].Error / plain[^1].Error > 3.0, "S_noise = 1 should keep converging");
    }

    public static TheoryData<string> OffGrid => new("dpm2", "dpm2-ancestral", "dpmpp-2s-ancestral", "dpm-solver");

    [Theory]
    [MemberData(nameof(OffGrid))]
    public void AnOffGridSampler_RefusesADenoiserDefinedOnlyOnTheGrid_NamingTheContract(string name)
    {
        var exact = SamplerEdgeCaseTests.Data.Denoiser<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0);
        IBatchDenoiser<double> onGrid = BatchDenoiser.Create<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0, (xt, t, p) => exact.Predict(xt, t, p, []));
        ISampler sampler = SamplerRegistry.Find(name).Create(new SamplerOptions());
        var error = Assert.Throws<ArgumentException>(() => sampler.RequireCompatible(onGrid));
        Assert.Contains("IContinuousDenoiser", error.Message);
        Assert.Throws<ArgumentException>(() => RunOn(sampler, onGrid, RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 5)));
        Assert.Throws<ArgumentException>(() => new HeunSampler(Churn: 1.0).RequireCompatible(onGrid));
    }

    [Theory]
    [InlineData("dpm2-ancestral")]
    [InlineData("dpmpp-2s-ancestral")]
    public void Ancestral_InFloat32_WithNearlyEqualSigmas_HasNoNaN_DiffusersIssue14213(string name)
    {
        RespacedSchedule plan = RespacedSchedule.Full(NoiseSchedule.Linear(4000, 1e-6, 0.02));
        Assert.All(SamplerEdgeCaseTests.Run<float>(SamplerRegistry.Find(name), plan), v => Assert.True(float.IsFinite((float)v)));
    }

    [Fact]
    public void ANetworkAtFractionalTimesteps_RefusesChurnAboveItsLargestNoiseLevel()
    {
        // Heun's churn raises σ_N to (1 + γ)σ_N > σ_T: a discrete network was never trained there, so the adapter refuses
        // (k-diffusion clamps the timestep and so evaluates the network at a σ that is not the one it converts with).
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        var exact = SamplerEdgeCaseTests.Data.Denoiser<double>(schedule, PredictionTarget.Epsilon);
        var network = ContinuousDenoiser.FromFractionalNetwork<double>(schedule, PredictionTarget.Epsilon, (xt, t, p) => exact.Predict(xt, t.ToArray().Select(v => (int)v + 1).ToArray(), p, []));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RunOn(new HeunSampler(Churn: 10.0), network, RespacedSchedule.Uniform(schedule, 10)));
        Assert.Contains("outside the training grid", error.Message);
        RunOn(new HeunSampler(Churn: 10.0, ChurnSigmaMax: 50.0), network, RespacedSchedule.Uniform(schedule, 10));
    }
}
