using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The multistep samplers of issue 11 that evaluate D only on the training grid (dpmpp-3m-sde, UniPC, DEIS): their
/// orders against the exact solution and law, and every step of a chain against an independent transcription of the
/// anchor's published update (k-diffusion, diffusers) in float64 within 1e-12 relative.
/// </summary>
public class MultistepSamplerTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Schedule = SigmaSamplerOrderTests.KarrasSchedule;

    [Fact]
    public void Dpmpp3MSde_OutputLaw_ApproachesTheDataLaw_AtWeakOrderTwo_AndBelowDpmpp2MSde()
    {
        // Measured over N = 121..721 (W₂ of the exact output law): 2.15 and 1.88 for (0.3, 0.25) and (−0.5, 2.5), not 3: a
        // multistep interpolant of D through points that carry independent noise is no better than second order in law.
        // For (1, 0.04) the standard deviation's error changes sign between N = 361 and 721, so W₂ dips there and a fitted
        // slope means nothing; the test checks that it is the sign change and not a slower decay. With k-diffusion's
        // half weight of the quadratic term the orders are 2.10 and 1.99 and W₂ is 2.4–3.6 times ours at N ≥ 121 (first two laws).
        foreach (var (mu, v) in new[] { (0.3, 0.25), (-0.5, 2.5), (1.0, 0.04) })
        {
            var errors = SigmaSamplerOrderTests.Strides.Select(d =>
            {
                RespacedSchedule plan = SigmaSamplerOrderTests.Chain(Schedule, d);
                var (m, variance) = AncestralLawTests.Law(new DpmSolverPlusPlus3MSdeSampler(), plan, mu, v);
                var (mk, vk) = AncestralLawTests.Law(new DpmSolverPlusPlus3MSdeSampler { QuadraticShare = 0.5 }, plan, mu, v);
                var (m2, v2) = AncestralLawTests.Law(new DpmSolverPlusPlus2MSdeSampler(), plan, mu, v);
                return (Steps: plan.Count, Error: AncestralLawTests.W2(m, variance, mu, v), MeanError: m - mu, SdError: Math.Sqrt(variance) - Math.Sqrt(v),
                    Anchor: AncestralLawTests.W2(mk, vk, mu, v), TwoM: AncestralLawTests.W2(m2, v2, mu, v));
            }).ToArray();
            foreach (var e in errors)
                output.WriteLine($"μ = {mu}, v = {v}: N = {e.Steps}, W₂ = {e.Error:E3} (mean {e.MeanError:E2}, sd {e.SdError:E2}; k-diffusion's ½ quadratic weight {e.Anchor:E3}, 2m-sde {e.TwoM:E3})");
            var tail = errors.Where(e => e.Steps >= 121).ToArray();
            double order = SigmaSamplerOrderTests.Order(tail.Select(e => (e.Steps, e.Error)), 121);
            double anchorOrder = SigmaSamplerOrderTests.Order(tail.Select(e => (e.Steps, e.Anchor)), 121);
            output.WriteLine($"μ = {mu}, v = {v}: weak order {order:F3}; with k-diffusion's coefficient {anchorOrder:F3}");
            bool signsKept = tail.All(e => Sign(e.SdError) == Sign(tail[0].SdError) && Sign(e.MeanError) == Sign(tail[0].MeanError));
            if (signsKept) Assert.True(order >= 1.8, $"μ = {mu}, v = {v}: weak order {order:F3}, expected ≥ 2");
            else Assert.True(Sign(tail[^1].SdError) != Sign(tail[^2].SdError) || Sign(tail[^1].MeanError) != Sign(tail[^2].MeanError),
                $"μ = {mu}, v = {v}: an error component changes sign before the last two chains; order {order:F3}");
            Assert.All(tail, e => Assert.True(e.Error < e.TwoM, $"N = {e.Steps}: W₂ {e.Error:E3} ≥ dpmpp-2m-sde's {e.TwoM:E3}"));
        }
    }

    /// <summary>The sign of an error, 0 at rounding level (the mean is exact to 1e-15 for some laws).</summary>
    private static int Sign(double error) => Math.Abs(error) <= 1e-12 ? 0 : Math.Sign(error);

    [Theory]
    [InlineData("unipc")]
    [InlineData("unipc-bh1")]
    [InlineData("unip")]
    [InlineData("deis")]
    [InlineData("deis-2")]
    [InlineData("dpmpp-3m")]
    public void MultistepOrders_AreReported(string name)
    {
        SamplerEntry entry = SamplerRegistry.Find(name);
        var errors = SigmaSamplerOrderTests.Errors(entry.Create(new SamplerOptions()), Schedule);
        foreach (var (n, e) in errors) output.WriteLine($"{name}: N = {n}, error {e:E3}");
        double order = SigmaSamplerOrderTests.Order(errors, 121), early = SigmaSamplerOrderTests.Order(errors, 25, 121);
        output.WriteLine($"{name}: order {order:F3} over N 121..721, {early:F3} over 25..121");
        Assert.True(Math.Abs(order - entry.Order) <= 0.2, $"{name}: {order:F3}");
    }

    [Theory]
    [InlineData(3, UniPcVariant.Bh2, true, 4)]
    [InlineData(3, UniPcVariant.Bh1, true, 4)]
    [InlineData(1, UniPcVariant.Bh2, true, 2)]
    [InlineData(3, UniPcVariant.Bh2, false, 3)]
    [InlineData(2, UniPcVariant.Bh1, false, 2)]
    public void UniPc_OfEveryOrder_AndBothB_ReachesOrderPPlusOneWithTheCorrector_AndPWithout(int p, UniPcVariant variant, bool corrector, int claimed)
    {
        var errors = SigmaSamplerOrderTests.Errors(new UniPcSampler(p, variant, corrector), Schedule);
        foreach (var (n, e) in errors) output.WriteLine($"p = {p}, {variant}, corrector {corrector}: N = {n}, error {e:E3}");
        double order = SigmaSamplerOrderTests.Order(errors, 121);
        output.WriteLine($"order {order:F3}");
        Assert.True(Math.Abs(order - claimed) <= 0.2, $"p = {p}, {variant}, corrector {corrector}: order {order:F3}, claimed {claimed}");
    }

    [Fact]
    public void DeisOfOrderOne_IsEuler()
    {
        // ℓ ≡ 1: c = ∫ dσ = σ_{i−1} − σ_i, so x̃ + (σ_{i−1} − σ_i)·ε̂ is Euler's step (Karras et al. 2022, Algorithm 1).
        foreach (int d in new[] { 240, 30, 4 })
        {
            RespacedSchedule chain = SigmaSamplerOrderTests.Chain(Schedule, d);
            double[] deis = SamplerConvergence.OdeErrors(new DeisSampler(1), SigmaSamplerOrderTests.Data, chain, SigmaSamplerOrderTests.Start);
            double[] euler = SamplerConvergence.OdeErrors(new EulerSampler(), SigmaSamplerOrderTests.Data, chain, SigmaSamplerOrderTests.Start);
            for (int j = 0; j < deis.Length; j++) Assert.True(Math.Abs(deis[j] - euler[j]) <= 1e-12, $"d = {d}: {deis[j]:R} vs {euler[j]:R}");
        }
    }

    [Fact]
    public void DeisWeights_IntegrateEveryPolynomialInLogSigmaOfTheirDegreeExactly()
    {
        // Σ_k c_k·f(u_k) = ∫_{σ_i}^{σ'} f(log σ) dσ for f of degree < q: for f = 1, u, u² the integrals are σ' − σ_i,
        // [σ(u − 1)] and [σ(u² − 2u + 2)] between the limits.
        double[] logSigma = [Math.Log(2.0), Math.Log(3.1), Math.Log(5.0)];
        double next = Math.Log(1.3);
        double[] w = DeisSampler.Weights(logSigma, next);
        Func<double, double>[] antiderivative = [u => Math.Exp(u), u => Math.Exp(u) * (u - 1), u => Math.Exp(u) * (u * u - 2 * u + 2)];
        for (int m = 0; m < 3; m++)
        {
            double quadrature = 0.0;
            for (int k = 0; k < 3; k++) quadrature += w[k] * Math.Pow(logSigma[k], m);
            double exact = antiderivative[m](next) - antiderivative[m](logSigma[0]);
            Assert.True(Math.Abs(quadrature - exact) <= 1e-13 * Math.Abs(exact), $"degree {m}: {quadrature:R} vs {exact:R}");
        }
        // and the small-step branch (series) agrees with the closed form on both sides of |Δ| = 1
        for (int m = 0; m < 3; m++)
            Assert.True(Math.Abs(DeisSampler.J(m, -0.999999999) - DeisSampler.J(m, -1.0)) <= 1e-8, $"J_{m} is continuous at Δ = −1");
    }

    // ---- one step against each anchor's published update, every step of a 7-step chain --------------------------------

    private sealed class Recorder : ISamplerObserver<double>
    {
        public List<SamplerStepReport<double>> Steps { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => Steps.Add(report);
    }

    /// <summary>Runs a 7-step chain of the Karras schedule on the 4-value Gaussian problem, z = sin(τ + 3j) at every step.</summary>
    private static (RespacedSchedule Plan, List<SamplerStepReport<double>> Steps) Record(ISampler sampler)
    {
        RespacedSchedule plan = SigmaSamplerOrderTests.Chain(Schedule, 120);
        var recorder = new Recorder();
        var start = ImageBatch<double>.FromValues(1, 1, 2, 2, [12.0, -7.0, 40.0, -15.0]);
        var run = new SamplerRun<double>(plan, SigmaSamplerOrderTests.Data.Denoiser<double>(Schedule, PredictionTarget.X0), start, [new NoiseKey(3)])
        {
            Observer = recorder,
            Noise = (_, timestep, z) => { for (int j = 0; j < z.Length; j++) z[j] = Math.Sin(timestep + 3 * j); },
        };
        sampler.Run(run);
        return (plan, recorder.Steps);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Max(Math.Abs(expected), 1e-300), $"{what}: ours {actual:R}, anchor {expected:R}");

    /// <summary>σ̃, x̃ = x/√ᾱ, D and the next x̃ of recorded step number <paramref name="k"/> (0 = the first step).</summary>
    private static (double Sigma, double SigmaNext, double[] X, double[] D, double[] Next) SigmaView(RespacedSchedule plan, List<SamplerStepReport<double>> steps, int k)
    {
        var report = steps[k];
        int i = report.Step.Index;
        double a = plan.Schedule.SqrtAlphaBar(i), aNext = i == 1 ? 1.0 : plan.Schedule.SqrtAlphaBar(i - 1);
        double sigma = SigmaSpace.Sigma(plan.Schedule, i), sigmaNext = i == 1 ? 0.0 : SigmaSpace.Sigma(plan.Schedule, i - 1);
        return (sigma, sigmaNext, report.Xt.ToDoubleArray().Select(x => x / a).ToArray(), report.PredictedX0.ToDoubleArray(), report.Next.ToDoubleArray().Select(x => x / aNext).ToArray());
    }

    [Fact]
    public void Dpmpp2M_EveryStep_IsKDiffusionsSampleDpmpp2M()
    {
        // k-diffusion sample_dpmpp_2m: t = −log σ, h = t' − t; first step and the step onto 0: (σ'/σ)x − expm1(−h)·D;
        // otherwise r = h_last/h and D' = (1 + 1/(2r))D − D_old/(2r).
        var (plan, steps) = Record(new DpmSolverPlusPlus2MSampler());
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, x, d, next) = SigmaView(plan, steps, k);
            for (int j = 0; j < x.Length; j++)
            {
                double expected;
                if (k == 0 || sigmaNext == 0) expected = sigmaNext == 0 ? d[j] : sigmaNext / sigma * x[j] - Expm1(-(Math.Log(sigma) - Math.Log(sigmaNext))) * d[j];
                else
                {
                    var previous = SigmaView(plan, steps, k - 1);
                    double h = Math.Log(sigma) - Math.Log(sigmaNext), hLast = Math.Log(previous.Sigma) - Math.Log(sigma), r = hLast / h;
                    double dd = (1 + 1 / (2 * r)) * d[j] - 1 / (2 * r) * previous.D[j];
                    expected = sigmaNext / sigma * x[j] - Expm1(-h) * dd;
                }
                Close(expected, next[j], $"step {k}, value {j}");
            }
        }
    }
    private static double Expm1(double x) => AccurateMath.ExpM1(x);

    [Fact]
    public void Euler_EveryStep_IsKDiffusionsSampleEuler()
    {
        // k-diffusion sample_euler (s_churn = 0): d = (x − D)/σ, x ← x + d·(σ' − σ); onto σ' = 0 that is D.
        var (plan, steps) = Record(new EulerSampler());
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, x, d, next) = SigmaView(plan, steps, k);
            for (int j = 0; j < x.Length; j++)
                Close(x[j] + (x[j] - d[j]) / sigma * (sigmaNext - sigma), next[j], $"step {k}, value {j}");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void Dpmpp3MSde_EveryStep_IsKDiffusionsSampleDpmpp3MSde_ButForTheQuadraticTermsWeight(double share)
    {
        // k-diffusion sample_dpmpp_3m_sde, η = 1: h_η = 2h; x ← e^{−h_η}x − expm1(−h_η)·D; with two earlier D:
        // r₀ = h₁/h, r₁ = h₂/h, d1_0 = (D − D₁)/r₀, d1_1 = (D₁ − D₂)/r₁, d₁ = d1_0 + (d1_0 − d1_1)r₀/(r₀ + r₁),
        // d₂ = (d1_0 − d1_1)/(r₀ + r₁), φ₂ = expm1(−h_η)/h_η + 1, φ₃ = φ₂/h_η − ½, x ← x + φ₂d₁ − φ₃d₂; with one: x ← x + φ₂(D − D₁)/r;
        // then + z·σ'·√(−expm1(−2h)). Share ½ is that exactly; ours (share 1) adds −φ₃d₂ once more (docs/comparison.md).
        var (plan, steps) = Record(new DpmSolverPlusPlus3MSdeSampler { QuadraticShare = share });
        double? h1 = null, h2 = null;
        double[]? d1Old = null, d2Old = null;
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, x, d, next) = SigmaView(plan, steps, k);
            int timestep = steps[k].Step.Timestep;
            double h = sigmaNext == 0 ? double.PositiveInfinity : Math.Log(sigma) - Math.Log(sigmaNext);
            for (int j = 0; j < x.Length; j++)
            {
                double expected;
                if (sigmaNext == 0) expected = d[j];
                else
                {
                    double he = 2 * h;
                    expected = Math.Exp(-he) * x[j] - Expm1(-he) * d[j];
                    double phi2 = Expm1(-he) / he + 1;
                    if (h2 is { } hb && h1 is { } ha)
                    {
                        double r0 = ha / h, r1 = hb / h;
                        double a = (d[j] - d1Old![j]) / r0, b = (d1Old[j] - d2Old![j]) / r1;
                        double first = a + (a - b) * r0 / (r0 + r1), second = (a - b) / (r0 + r1);
                        double phi3 = phi2 / he - 0.5;
                        expected += phi2 * first - phi3 * second * (share / 0.5);
                    }
                    else if (h1 is { } ha1)
                    {
                        expected += phi2 * (d[j] - d1Old![j]) / (ha1 / h);
                    }
                    expected += Math.Sin(timestep + 3 * j) * sigmaNext * Math.Sqrt(-Expm1(-2 * h));
                }
                Close(expected, next[j], $"share {share}, step {k}, value {j}");
            }
            (d2Old, d1Old) = (d1Old, d);
            (h2, h1) = (h1, h);
        }
    }

    /// <summary>Cramer's rule for n ≤ 3 (the anchors' torch.linalg.solve, written another way).</summary>
    private static double[] Cramer(double[][] m, double[] b)
    {
        int n = b.Length;
        double Det(double[][] a) => n switch
        {
            1 => a[0][0],
            2 => a[0][0] * a[1][1] - a[0][1] * a[1][0],
            _ => a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]),
        };
        double whole = Det(m);
        var x = new double[n];
        for (int c = 0; c < n; c++)
        {
            var replaced = m.Select((row, r) => row.Select((v, k) => k == c ? b[r] : v).ToArray()).ToArray();
            x[c] = Det(replaced) / whole;
        }
        return x;
    }

    /// <summary>
    /// diffusers' UniPCMultistepScheduler (predict_x0, final σ = 0) in its own VP coordinates: α = √ᾱ, σ = √(1 − ᾱ),
    /// λ = log α − log σ; UniP: x_t = (σ_t/σ_s)x − α_t·expm1(−h)·m₀ − α_t·B·Σρ_p·D1s; UniC alike with the new output.
    /// </summary>
    private static double[] DiffusersUniPc(bool predictor, double[] x, double[] m0, IReadOnlyList<double[]> earlier, double[]? modelT,
        (double Alpha, double Sigma) s0, (double Alpha, double Sigma) t, IReadOnlyList<(double Alpha, double Sigma)> earlierLevels, int order, UniPcVariant variant)
    {
        double Lambda((double Alpha, double Sigma) l) => Math.Log(l.Alpha) - Math.Log(l.Sigma);
        double h = Lambda(t) - Lambda(s0), hh = -h;
        var rks = new List<double>();
        var d1s = new List<double[]>();
        for (int i = 1; i < order; i++)
        {
            double rk = (Lambda(earlierLevels[i - 1]) - Lambda(s0)) / h;
            rks.Add(rk);
            d1s.Add(earlier[i - 1].Zip(m0, (mi, m) => (mi - m) / rk).ToArray());
        }
        rks.Add(1.0);
        double hPhi1 = Expm1(hh), hPhiK = hPhi1 / hh - 1, factorial = 1;
        double bh = variant == UniPcVariant.Bh1 ? hh : Expm1(hh);
        var rows = new List<double[]>();
        var b = new List<double>();
        for (int i = 1; i <= order; i++)
        {
            rows.Add(rks.Select(r => Math.Pow(r, i - 1)).ToArray());
            b.Add(hPhiK * factorial / bh);
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        double[] rhos;
        if (predictor)
            rhos = order == 1 ? [] : order == 2 ? [0.5] : Cramer(rows.Take(order - 1).Select(r => r.Take(order - 1).ToArray()).ToArray(), b.Take(order - 1).ToArray());
        else
            rhos = order == 1 ? [0.5] : Cramer(rows.ToArray(), b.ToArray());
        var y = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            double baseline = t.Sigma / s0.Sigma * x[j] - t.Alpha * hPhi1 * m0[j];
            double res = 0;
            for (int k = 0; k < d1s.Count; k++) res += rhos[k] * d1s[k][j];
            if (!predictor) res += rhos[^1] * (modelT![j] - m0[j]);
            y[j] = baseline - t.Alpha * bh * res;
        }
        return y;
    }

    [Theory]
    [InlineData(2, UniPcVariant.Bh2)]
    [InlineData(2, UniPcVariant.Bh1)]
    [InlineData(3, UniPcVariant.Bh2)]
    [InlineData(1, UniPcVariant.Bh1)]
    public void UniPc_EveryPredictorAndCorrector_IsDiffusersUniPcMultistepScheduler(int solverOrder, UniPcVariant variant)
    {
        var (plan, steps) = Record(new UniPcSampler(solverOrder, variant));
        int n = steps.Count;
        (double, double) Level(int k) => (plan.Schedule.SqrtAlphaBar(steps[k].Step.Index), plan.Schedule.SqrtOneMinusAlphaBar(steps[k].Step.Index));
        var outputs = new List<double[]>(); // newest last
        var levels = new List<(double, double)>();
        int lowerOrderNums = 0, thisOrder = 0;
        double[]? lastSample = null; // the anchor's own corrected state, carried from step to step
        for (int k = 0; k < n; k++)
        {
            // The observer sees our predicted states (where D is evaluated); each is checked as the anchor's prediction.
            double[] sample = steps[k].Xt.ToDoubleArray(), modelT = steps[k].PredictedX0.ToDoubleArray();
            if (k > 0)
                sample = DiffusersUniPc(false, lastSample!, outputs[^1], outputs.AsEnumerable().Reverse().Skip(1).ToList(), modelT,
                    levels[^1], Level(k), levels.AsEnumerable().Reverse().Skip(1).ToList(), thisOrder, variant);
            outputs.Add(modelT);
            levels.Add(Level(k));
            thisOrder = Math.Min(Math.Min(solverOrder, n - k), lowerOrderNums + 1);
            lastSample = sample;
            double[] next = steps[k].Next.ToDoubleArray();
            if (k == n - 1)
            {
                for (int j = 0; j < next.Length; j++) Close(modelT[j], next[j], $"final step, value {j}");
            }
            else
            {
                double[] predicted = DiffusersUniPc(true, sample, modelT, outputs.AsEnumerable().Reverse().Skip(1).ToList(), null,
                    Level(k), (plan.Schedule.SqrtAlphaBar(steps[k].Step.Index - 1), plan.Schedule.SqrtOneMinusAlphaBar(steps[k].Step.Index - 1)),
                    levels.AsEnumerable().Reverse().Skip(1).ToList(), thisOrder, variant);
                for (int j = 0; j < next.Length; j++) Close(predicted[j], next[j], $"UniC then UniP at step {k}, value {j}");
            }
            if (lowerOrderNums < solverOrder) lowerOrderNums++;
        }
    }

    [Theory]
    [InlineData(2, UniPcVariant.Bh2)]
    [InlineData(3, UniPcVariant.Bh1)]
    public void UniP_EveryStep_IsDiffusersUniPcMultistepScheduler_WithEveryCorrectorDisabled(int solverOrder, UniPcVariant variant)
    {
        // diffusers' disable_corrector listing every step: each step is the UniP predictor from the uncorrected state, with
        // the same warm-up and lower_order_final orders; the last step returns D at the predicted x̃_1.
        var (plan, steps) = Record(new UniPcSampler(solverOrder, variant, Corrector: false));
        int n = steps.Count;
        (double, double) Level(int i) => (plan.Schedule.SqrtAlphaBar(i), plan.Schedule.SqrtOneMinusAlphaBar(i));
        var outputs = new List<double[]>(); // newest last
        var levels = new List<(double, double)>();
        int lowerOrderNums = 0;
        for (int k = 0; k < n; k++)
        {
            double[] sample = steps[k].Xt.ToDoubleArray(), modelT = steps[k].PredictedX0.ToDoubleArray(), next = steps[k].Next.ToDoubleArray();
            int i = steps[k].Step.Index;
            outputs.Add(modelT);
            levels.Add(Level(i));
            int thisOrder = Math.Min(Math.Min(solverOrder, n - k), lowerOrderNums + 1);
            if (k == n - 1)
            {
                for (int j = 0; j < next.Length; j++) Close(modelT[j], next[j], $"final step, value {j}");
            }
            else
            {
                double[] predicted = DiffusersUniPc(true, sample, modelT, outputs.AsEnumerable().Reverse().Skip(1).ToList(), null,
                    Level(i), Level(i - 1), levels.AsEnumerable().Reverse().Skip(1).ToList(), thisOrder, variant);
                for (int j = 0; j < next.Length; j++) Close(predicted[j], next[j], $"UniP at step {k}, value {j}");
            }
            if (lowerOrderNums < solverOrder) lowerOrderNums++;
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void Deis_EveryStep_IsDiffusersDeisMultistepScheduler(int solverOrder)
    {
        // diffusers DEISMultistepScheduler, algorithm "deis" (log-ρ): ε = (x − α·x₀)/σ, ρ = σ/α; order 1:
        // x_t = (α_t/α_s)x − σ_t(e^h − 1)ε; orders 2, 3: x_t = α_t(x/α_s + Σ coef_k·ε_k) with coef from the closed-form
        // antiderivatives ind_fn. Its last step ends at σ(t = 0), ours at σ = 0 (the denoising step): not compared.
        var (plan, steps) = Record(new DeisSampler(solverOrder));
        int n = steps.Count;
        static double Ind2(double t, double b, double c) => t * (-Math.Log(c) + Math.Log(t) - 1) / (Math.Log(b) - Math.Log(c));
        static double Ind3(double t, double b, double c, double d) =>
            t * (Math.Log(c) * (Math.Log(d) - Math.Log(t) + 1) - Math.Log(d) * Math.Log(t) + Math.Log(d) + Math.Log(t) * Math.Log(t) - 2 * Math.Log(t) + 2)
            / ((Math.Log(b) - Math.Log(c)) * (Math.Log(b) - Math.Log(d)));
        var eps = new List<double[]>();
        var rhos = new List<double>();
        int lowerOrderNums = 0;
        for (int k = 0; k < n - 1; k++)
        {
            int i = steps[k].Step.Index;
            double alphaS = plan.Schedule.SqrtAlphaBar(i), sigmaS = plan.Schedule.SqrtOneMinusAlphaBar(i);
            double alphaT = plan.Schedule.SqrtAlphaBar(i - 1), sigmaT = plan.Schedule.SqrtOneMinusAlphaBar(i - 1);
            double[] x = steps[k].Xt.ToDoubleArray(), x0 = steps[k].PredictedX0.ToDoubleArray(), next = steps[k].Next.ToDoubleArray();
            eps.Add(x.Zip(x0, (xv, x0v) => (xv - alphaS * x0v) / sigmaS).ToArray());
            rhos.Add(sigmaS / alphaS);
            double rhoT = sigmaT / alphaT;
            bool lowerSecond = k == n - 2 && n < 15;
            for (int j = 0; j < x.Length; j++)
            {
                double expected;
                if (solverOrder == 1 || lowerOrderNums < 1)
                {
                    double h = Math.Log(alphaT) - Math.Log(sigmaT) - (Math.Log(alphaS) - Math.Log(sigmaS));
                    expected = alphaT / alphaS * x[j] - sigmaT * (Math.Exp(h) - 1.0) * eps[^1][j];
                }
                else if (solverOrder == 2 || lowerOrderNums < 2 || lowerSecond)
                {
                    double r0 = rhos[^1], r1 = rhos[^2];
                    double c1 = Ind2(rhoT, r0, r1) - Ind2(r0, r0, r1), c2 = Ind2(rhoT, r1, r0) - Ind2(r0, r1, r0);
                    expected = alphaT * (x[j] / alphaS + c1 * eps[^1][j] + c2 * eps[^2][j]);
                }
                else
                {
                    double r0 = rhos[^1], r1 = rhos[^2], r2 = rhos[^3];
                    double c1 = Ind3(rhoT, r0, r1, r2) - Ind3(r0, r0, r1, r2), c2 = Ind3(rhoT, r1, r2, r0) - Ind3(r0, r1, r2, r0), c3 = Ind3(rhoT, r2, r0, r1) - Ind3(r0, r2, r0, r1);
                    expected = alphaT * (x[j] / alphaS + c1 * eps[^1][j] + c2 * eps[^2][j] + c3 * eps[^3][j]);
                }
                Close(expected, next[j], $"order {solverOrder}, step {k}, value {j}");
            }
            if (lowerOrderNums < solverOrder) lowerOrderNums++;
        }
    }
}
