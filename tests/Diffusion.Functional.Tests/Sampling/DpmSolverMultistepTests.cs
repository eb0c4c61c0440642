using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// Multistep DPM-Solver in noise prediction (dpm-solver-2m, dpm-solver-3m): its order against the exact probability-flow
/// solution, and every step against diffusers' DPMSolverMultistepScheduler (algorithm_type "dpmsolver") written out in its own VP coordinates.
/// </summary>
public class DpmSolverMultistepTests(ITestOutputHelper output)
{
    private sealed class Recorder : ISamplerObserver<double>
    {
        public List<SamplerStepReport<double>> Steps { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => Steps.Add(report);
    }

    [Fact]
    public void MultistepDpmSolver2_IsSecondOrder_OnTheLambdaUniformGrid()
    {
        // Lu et al. 2022b, §4: multistep DPM-Solver-2 converges at order 2 (measured 2.006 over N 121..721; the Karras grid
        // is checked for every deterministic entry by SigmaSamplerOrderTests).
        var errors = SigmaSamplerOrderTests.Errors(new DpmSolverMultistepSampler(2), SigmaSamplerOrderTests.ExponentialSchedule);
        double fitted = SigmaSamplerOrderTests.Order(errors, 121);
        output.WriteLine($"dpm-solver-2m, λ-uniform: {string.Join(", ", errors.Select(e => $"{e.Steps}:{e.Error:E2}"))}; order N 121..721 {fitted:F3}");
        Assert.True(Math.Abs(fitted - 2.0) <= 0.2, $"dpm-solver-2m: fitted order {fitted:F3}");
    }

    [Fact]
    public void MultistepDpmSolver3_OnALambdaUniformGrid_IsThirdOrder_ButForItsFirstOrderWarmUpStep()
    {
        // As for dpmpp-3m (SigmaSamplerOrderTests): on the λ-uniform grid the first step (DPM-Solver-1 = Euler) leaves an
        // O(h²) error that a multistep method never outgrows; without its closed-form share the error is of order ≥ 3.
        // Measured: 2.58 raw over N 121..721 (local slopes 3.25 falling to 2.22). On the Karras grid (small λ-steps at
        // σ_max) the raw order is 3 (SigmaSamplerOrderTests).
        var sampler = new DpmSolverMultistepSampler(3);
        var raw = new List<(int, double)>();
        var residual = new List<(int, double)>();
        foreach (int d in SigmaSamplerOrderTests.Strides)
        {
            RespacedSchedule plan = SigmaSamplerOrderTests.Chain(SigmaSamplerOrderTests.ExponentialSchedule, d);
            double[] errors = SamplerConvergence.OdeErrors(sampler, SigmaSamplerOrderTests.Data, plan, SigmaSamplerOrderTests.Start);
            double[] warm = SigmaSamplerOrderTests.WarmUpError(SigmaSamplerOrderTests.ExponentialSchedule, d);
            raw.Add((720 / d + 1, errors.Max(Math.Abs)));
            residual.Add((720 / d + 1, errors.Select((e, j) => Math.Abs(e - warm[j])).Max()));
        }
        double early = SigmaSamplerOrderTests.Order(raw, 25, 181), rawOrder = SigmaSamplerOrderTests.Order(raw, 361), residualOrder = SigmaSamplerOrderTests.Order(residual, 241);
        output.WriteLine($"dpm-solver-3m, λ-uniform: raw N 25..181 {early:F3}, raw N 361..721 {rawOrder:F3}, without the warm-up N 241..721 {residualOrder:F3}");
        Assert.True(early >= 2.8, $"pre-asymptotic order {early:F3}");
        Assert.True(rawOrder < early, $"the raw order {rawOrder:F3} should fall towards the warm-up's 2");
        Assert.True(residualOrder >= 2.8, $"order without the warm-up's error {residualOrder:F3}, expected ≥ 3");
    }

    [Fact]
    public void DiffusersThirdOrderWeight_IsOnlySecondOrder_WhereTheTaylorWeightIsThird()
    {
        // diffusers' D₂ = (D₁,₀ − D₁,₁)/(r₀ + r₁) ≈ h²ε″/2, weighted by σ'((e^h − 1 − h)/h² − ½) = σ'hφ₃(h): half the Taylor
        // term σ'h³φ₃(h)ε″ (Lu et al. 2022, eq. 3.6). On the Karras grid, where ours is third order, that half weight
        // (QuadraticShare ½) measures order 1.90 over N 121..721.
        double Fitted(double share) => SigmaSamplerOrderTests.Order(
            SigmaSamplerOrderTests.Errors(new DpmSolverMultistepSampler(3) { QuadraticShare = share }, SigmaSamplerOrderTests.KarrasSchedule), 121);
        double theirs = Fitted(0.5), ours = Fitted(1.0);
        output.WriteLine($"dpm-solver-3m on the Karras grid, N 121..721: diffusers' weight {theirs:F3}, ours {ours:F3}");
        Assert.True(Math.Abs(theirs - 2.0) <= 0.2, $"with diffusers' weight: fitted order {theirs:F3}, expected 2");
        Assert.True(Math.Abs(ours - 3.0) <= 0.2, $"with the Taylor weight: fitted order {ours:F3}, expected 3");
    }

    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.5)]
    public void EveryStep_IsDiffusersDpmSolverMultistepScheduler_WithAlgorithmDpmSolver(int solverOrder, double share)
    {
        // diffusers, algorithm_type "dpmsolver", solver_type "midpoint", lower_order_final: ε = (x − α·x̂₀)/σ, λ = log α − log σ,
        // h = λ_t − λ_s0, r_k = h_k/h; order 1: x_t = (α_t/α_s)x − σ_t(e^h − 1)ε₀; order 2: − ½σ_t(e^h − 1)·D₁, D₁ = (ε₀ − ε₁)/r₀;
        // order 3: − σ_t((e^h − 1)/h − 1)·D₁ − σ_t((e^h − 1 − h)/h² − ½)·D₂ with D₁ = D₁₀ + r₀/(r₀ + r₁)(D₁₀ − D₁₁),
        // D₂ = (D₁₀ − D₁₁)/(r₀ + r₁). Order 3 is compared with diffusers' own weight (share ½; ours is twice it, above). Its
        // last step (onto σ = 0) is ours the denoising step: not compared.
        var schedule = SigmaSamplerOrderTests.KarrasSchedule;
        RespacedSchedule plan = SigmaSamplerOrderTests.Chain(schedule, 120);
        var recorder = new Recorder();
        var start = ImageBatch<double>.FromValues(1, 1, 2, 2, [12.0, -7.0, 40.0, -15.0]);
        new DpmSolverMultistepSampler(solverOrder) { QuadraticShare = share }.Run(new SamplerRun<double>(plan, SigmaSamplerOrderTests.Data.Denoiser<double>(schedule, PredictionTarget.X0), start, [new NoiseKey(3)]) { Observer = recorder });
        var steps = recorder.Steps;
        int n = steps.Count;
        Assert.Equal(7, n);
        var eps = new List<double[]>();
        var lambdas = new List<double>();
        int lowerOrderNums = 0;
        for (int k = 0; k < n - 1; k++)
        {
            int i = steps[k].Step.Index;
            double alphaS = plan.Schedule.SqrtAlphaBar(i), sigmaS = plan.Schedule.SqrtOneMinusAlphaBar(i);
            double alphaT = plan.Schedule.SqrtAlphaBar(i - 1), sigmaT = plan.Schedule.SqrtOneMinusAlphaBar(i - 1);
            double[] x = steps[k].Xt.ToDoubleArray(), x0 = steps[k].PredictedX0.ToDoubleArray(), next = steps[k].Next.ToDoubleArray();
            eps.Add(x.Zip(x0, (xv, x0v) => (xv - alphaS * x0v) / sigmaS).ToArray());
            lambdas.Add(Math.Log(alphaS) - Math.Log(sigmaS));
            double lambdaT = Math.Log(alphaT) - Math.Log(sigmaT), h = lambdaT - lambdas[^1];
            bool lowerSecond = k == n - 2 && n < 15;
            for (int j = 0; j < x.Length; j++)
            {
                double expected = alphaT / alphaS * x[j] - sigmaT * (Math.Exp(h) - 1.0) * eps[^1][j];
                if (lowerOrderNums >= 1 && (solverOrder == 2 || lowerOrderNums < 2 || lowerSecond))
                {
                    double r0 = (lambdas[^1] - lambdas[^2]) / h;
                    expected -= 0.5 * sigmaT * (Math.Exp(h) - 1.0) * (eps[^1][j] - eps[^2][j]) / r0;
                }
                else if (lowerOrderNums >= 2)
                {
                    double r0 = (lambdas[^1] - lambdas[^2]) / h, r1 = (lambdas[^2] - lambdas[^3]) / h;
                    double d10 = (eps[^1][j] - eps[^2][j]) / r0, d11 = (eps[^2][j] - eps[^3][j]) / r1;
                    double d1 = d10 + r0 / (r0 + r1) * (d10 - d11), d2 = (d10 - d11) / (r0 + r1);
                    expected -= sigmaT * ((Math.Exp(h) - 1.0) / h - 1.0) * d1 + sigmaT * ((Math.Exp(h) - 1.0 - h) / (h * h) - 0.5) * d2;
                }
                Assert.True(Math.Abs(next[j] - expected) <= 1e-12 * Math.Abs(expected), $"order {solverOrder}, step {k}, value {j}: ours {next[j]:R}, diffusers {expected:R}");
            }
            if (lowerOrderNums < solverOrder) lowerOrderNums++;
        }
        Assert.Equal(steps[^1].PredictedX0.ToDoubleArray(), steps[^1].Next.ToDoubleArray());
    }

    [Fact]
    public void Phi3_IsItsSeries_AndTheQuotient_WhereEachIsAccurate()
    {
        foreach (double x in new[] { 1e-6, 1e-3, 9e-3, -9e-3, 0.011, 0.099, -0.099, 0.101, 0.5, 3.0 })
        {
            // the Taylor series to x⁸ as the reference (truncation below x⁹/10! ≈ 1e-24 relative at |x| ≤ 0.5; 3.0 by the quotient)
            double series = Enumerable.Range(0, 9).Sum(k => Math.Pow(x, k) / Enumerable.Range(1, k + 3).Aggregate(1.0, (f, m) => f * m));
            double reference = Math.Abs(x) <= 0.5 ? series : (Math.Exp(x) - 1 - x - x * x / 2) / (x * x * x);
            Assert.True(Math.Abs(DpmSolverMultistepSampler.Phi3(x) - reference) <= 1e-10 * reference, $"φ₃({x}) = {DpmSolverMultistepSampler.Phi3(x):R}, expected {reference:R}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverMultistepSampler(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverMultistepSampler(4));
    }
}
