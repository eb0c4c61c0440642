using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// Issue 11, "against the anchors", for the σ samplers not covered by <see cref="MultistepSamplerTests"/> and
/// <see cref="SinglestepSamplerTests"/>: every step of a 7-step chain of the Karras schedule on the Gaussian problem is
/// recomputed from k-diffusion's published update (crowsonkb/k-diffusion <c>k_diffusion/sampling.py</c> at 4601bf0;
/// <c>sample_ipndm</c> from ComfyUI's copy, <c>comfy/k_diffusion/sampling.py</c>), written out below in plain double
/// arithmetic with the exact denoiser D(x̃; σ) = k·x̃ + o of the data, and compared with our step within 1e-12 relative.
/// The stochastic samplers get the same noise on both sides: the anchor's noise sampler is replaced by the run's
/// z = sin(τ + 3j). Where we differ on purpose the test says so and docs/comparison.md gives the reason.
/// </summary>
public class KDiffusionAnchorTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Schedule = SigmaSamplerOrderTests.KarrasSchedule;

    private sealed class Recorder : ISamplerObserver<double>
    {
        public List<SamplerStepReport<double>> Steps { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => Steps.Add(report);
    }

    /// <summary>z_j of the step from timestep τ: the noise both sides use.</summary>
    private static double Z(int timestep, int j) => Math.Sin(timestep + 3 * j);

    /// <summary>Runs a 7-step chain (σ = 80 … 0.002, then 0) on the 4-value Gaussian problem, recording every step.</summary>
    private static (RespacedSchedule Plan, List<SamplerStepReport<double>> Steps) Record(ISampler sampler)
    {
        RespacedSchedule plan = SigmaSamplerOrderTests.Chain(Schedule, 120);
        var recorder = new Recorder();
        var start = ImageBatch<double>.FromValues(1, 1, 2, 2, [12.0, -7.0, 40.0, -15.0]);
        var run = new SamplerRun<double>(plan, SigmaSamplerOrderTests.Data.Denoiser<double>(Schedule, PredictionTarget.X0), start, [new NoiseKey(3)])
        {
            Observer = recorder,
            Noise = (_, timestep, z) => { for (int j = 0; j < z.Length; j++) z[j] = Z(timestep, j); },
        };
        sampler.Run(run);
        return (plan, recorder.Steps);
    }

    /// <summary>σ_i, σ_{i−1}, x̃, D and the next x̃ of recorded step number <paramref name="k"/> (k-diffusion's loop index i).</summary>
    private static (double Sigma, double SigmaNext, int Timestep, double[] X, double[] D, double[] Next) View(RespacedSchedule plan, List<SamplerStepReport<double>> steps, int k)
    {
        var report = steps[k];
        int i = report.Step.Index;
        double a = plan.Schedule.SqrtAlphaBar(i), aNext = i == 1 ? 1.0 : plan.Schedule.SqrtAlphaBar(i - 1);
        double sigma = SigmaSpace.Sigma(plan.Schedule, i), sigmaNext = i == 1 ? 0.0 : SigmaSpace.Sigma(plan.Schedule, i - 1);
        return (sigma, sigmaNext, report.Step.Timestep, report.Xt.ToDoubleArray().Select(x => x / a).ToArray(), report.PredictedX0.ToDoubleArray(),
            report.Next.ToDoubleArray().Select(x => x / aNext).ToArray());
    }

    /// <summary>The anchor's model call: the exact denoiser of the data at (x̃, σ), value j.</summary>
    private static double Model(double x, double sigma, int j)
    {
        var (slope, offset) = SigmaSamplerOrderTests.Data.DenoisedAt(sigma, j);
        return slope * x + offset;
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Max(Math.Abs(expected), 1e-300), $"{what}: ours {actual:R}, anchor {expected:R}");

    private static double RelativeDifference(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300);

    private static double Expm1(double x) => AccurateMath.ExpM1(x);

    /// <summary>k-diffusion's get_ancestral_step as written: σ_up = min(σ', η√(σ'²(σ² − σ'²)/σ²)), σ_down = √(σ'² − σ_up²).</summary>
    private static (double Down, double Up) AncestralStep(double sigma, double sigmaNext, double eta)
    {
        if (eta == 0.0) return (sigmaNext, 0.0);
        double up = Math.Min(sigmaNext, eta * Math.Sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma)));
        return (Math.Sqrt(sigmaNext * sigmaNext - up * up), up);
    }

    [Theory]
    [InlineData(0.0, 0.0, double.PositiveInfinity, 1.0)]
    [InlineData(2.0, 0.01, 20.0, 1.003)]
    [InlineData(1.0, 0.0, double.PositiveInfinity, 1.0)]
    public void Heun_EveryStep_IsKDiffusionsSampleHeun(double churn, double churnMin, double churnMax, double churnNoise)
    {
        // sample_heun: γ = min(S_churn/(len(σ) − 1), √2 − 1) if S_tmin ≤ σ_i ≤ S_tmax else 0; σ̂ = σ_i(γ + 1);
        // if γ > 0: x ← x + ε·S_noise·√(σ̂² − σ_i²); d = (x − D(x; σ̂))/σ̂, dt = σ_{i+1} − σ̂; onto 0 the Euler step x + d·dt,
        // else x₂ = x + d·dt, d₂ = (x₂ − D(x₂; σ_{i+1}))/σ_{i+1}, x ← x + (d + d₂)/2·dt.
        var (plan, steps) = Record(new HeunSampler(churn, churnMin, churnMax, churnNoise));
        int n = steps.Count, churned = 0;
        for (int k = 0; k < n; k++)
        {
            var (sigma, sigmaNext, timestep, x, d, next) = View(plan, steps, k);
            double gamma = churnMin <= sigma && sigma <= churnMax ? Math.Min(churn / n, Math.Sqrt(2.0) - 1.0) : 0.0;
            double sigmaHat = sigma * (gamma + 1);
            if (gamma > 0) churned++;
            for (int j = 0; j < x.Length; j++)
            {
                double xHat = gamma > 0 ? x[j] + Z(timestep, j) * churnNoise * Math.Sqrt(sigmaHat * sigmaHat - sigma * sigma) : x[j];
                double denoised = Model(xHat, sigmaHat, j);
                Close(denoised, d[j], $"S_churn {churn}, step {k}, D at σ̂, value {j}");
                double slope = (xHat - denoised) / sigmaHat, dt = sigmaNext - sigmaHat;
                double expected;
                if (sigmaNext == 0) expected = xHat + slope * dt;
                else
                {
                    double x2 = xHat + slope * dt;
                    double slope2 = (x2 - Model(x2, sigmaNext, j)) / sigmaNext;
                    expected = xHat + (slope + slope2) / 2 * dt;
                }
                Close(expected, next[j], $"S_churn {churn}, step {k}, value {j}");
            }
        }
        // the settings exercise no churn, churn on some steps (the window 0.01..20 leaves out σ = 80, 30 and 0.002) and on all
        if (churn == 0) Assert.Equal(0, churned);
        else if (churnMax < 80) Assert.InRange(churned, 1, n - 1);
        else Assert.Equal(n, churned);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void EulerAncestral_EveryStep_IsKDiffusionsSampleEulerAncestral(double eta)
    {
        // sample_euler_ancestral: (σ_down, σ_up) = get_ancestral_step(σ_i, σ_{i+1}, η); x ← x + (x − D)/σ_i·(σ_down − σ_i);
        // if σ_{i+1} > 0: x ← x + z·S_noise·σ_up.
        var (plan, steps) = Record(new EulerAncestralSampler(eta));
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, timestep, x, d, next) = View(plan, steps, k);
            var (down, up) = AncestralStep(sigma, sigmaNext, eta);
            for (int j = 0; j < x.Length; j++)
            {
                double expected = x[j] + (x[j] - d[j]) / sigma * (down - sigma);
                if (sigmaNext > 0) expected += Z(timestep, j) * up;
                Close(expected, next[j], $"η {eta}, step {k}, value {j}");
            }
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void Dpm2Ancestral_EveryStep_IsKDiffusionsSampleDpm2Ancestral(double eta)
    {
        // sample_dpm_2_ancestral: d = (x − D)/σ_i; σ_down = 0: x + d·(σ_down − σ_i); else σ_mid = exp(lerp(log σ_i, log σ_down, ½)),
        // x₂ = x + d·(σ_mid − σ_i), d₂ = (x₂ − D(x₂; σ_mid))/σ_mid, x ← x + d₂·(σ_down − σ_i) + z·S_noise·σ_up.
        var (plan, steps) = Record(new Dpm2AncestralSampler(eta));
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, timestep, x, d, next) = View(plan, steps, k);
            var (down, up) = AncestralStep(sigma, sigmaNext, eta);
            for (int j = 0; j < x.Length; j++)
            {
                double slope = (x[j] - d[j]) / sigma, expected;
                if (down == 0) expected = x[j] + slope * (down - sigma);
                else
                {
                    double mid = Math.Exp(Math.Log(sigma) + 0.5 * (Math.Log(down) - Math.Log(sigma)));
                    double x2 = x[j] + slope * (mid - sigma);
                    double slope2 = (x2 - Model(x2, mid, j)) / mid;
                    expected = x[j] + slope2 * (down - sigma) + Z(timestep, j) * up;
                }
                Close(expected, next[j], $"η {eta}, step {k}, value {j}");
            }
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(0.0)]
    public void Dpmpp2SAncestral_EveryStep_IsKDiffusionsSampleDpmpp2SAncestral(double eta)
    {
        // sample_dpmpp_2s_ancestral: σ_down = 0: the Euler step; else t = −log σ_i, t' = −log σ_down, h = t' − t, s = t + h/2,
        // x₂ = (σ(s)/σ(t))x − expm1(−h/2)·D, x ← (σ(t')/σ(t))x − expm1(−h)·D(x₂; σ(s)); then if σ_{i+1} > 0: + z·S_noise·σ_up.
        var (plan, steps) = Record(new DpmSolverPlusPlus2SAncestralSampler(eta));
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, timestep, x, d, next) = View(plan, steps, k);
            var (down, up) = AncestralStep(sigma, sigmaNext, eta);
            for (int j = 0; j < x.Length; j++)
            {
                double expected;
                if (down == 0) expected = x[j] + (x[j] - d[j]) / sigma * (down - sigma);
                else
                {
                    double t = -Math.Log(sigma), tNext = -Math.Log(down), h = tNext - t, s = t + 0.5 * h;
                    double x2 = Math.Exp(-s) / Math.Exp(-t) * x[j] - Expm1(-h * 0.5) * d[j];
                    expected = Math.Exp(-tNext) / Math.Exp(-t) * x[j] - Expm1(-h) * Model(x2, Math.Exp(-s), j);
                }
                if (sigmaNext > 0) expected += Z(timestep, j) * up;
                Close(expected, next[j], $"η {eta}, step {k}, value {j}");
            }
        }
    }

    [Fact]
    public void Dpmpp2MSde_EveryStep_IsKDiffusionsMidpointSolverType_NotItsHeunType()
    {
        // sample_dpmpp_2m_sde (η = 1): onto 0 x = D; else t = −log σ_i, s = −log σ_{i+1}, h = s − t, η_h = ηh,
        // x ← (σ_{i+1}/σ_i)e^{−η_h}x − expm1(−h − η_h)·D, then with an earlier D (r = h_last/h):
        // midpoint: + ½·(−expm1(−h − η_h))·(D − D_old)/r; heun: + ((−expm1(−h − η_h))/(−h − η_h) + 1)·(D − D_old)/r;
        // then + z·σ_{i+1}·√(−expm1(−2η_h))·S_noise.
        var (plan, steps) = Record(new DpmSolverPlusPlus2MSdeSampler());
        double[]? old = null;
        double? hLast = null;
        double heunapart = 0.0;
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, timestep, x, d, next) = View(plan, steps, k);
            double h = sigmaNext == 0 ? double.NaN : -Math.Log(sigmaNext) + Math.Log(sigma);
            for (int j = 0; j < x.Length; j++)
            {
                if (sigmaNext == 0) { Close(d[j], next[j], $"denoising step, value {j}"); continue; }
                double etaH = h;
                double baseline = sigmaNext / sigma * Math.Exp(-etaH) * x[j] - Expm1(-h - etaH) * d[j];
                double midpoint = baseline, heun = baseline;
                if (old is not null)
                {
                    double r = hLast!.Value / h;
                    midpoint += 0.5 * -Expm1(-h - etaH) * (1 / r) * (d[j] - old[j]);
                    heun += (-Expm1(-h - etaH) / (-h - etaH) + 1) * (1 / r) * (d[j] - old[j]);
                }
                double noise = Z(timestep, j) * sigmaNext * Math.Sqrt(-Expm1(-2 * etaH));
                Close(midpoint + noise, next[j], $"midpoint, step {k}, value {j}");
                heunapart = Math.Max(heunapart, RelativeDifference(next[j], heun + noise));
            }
            old = d;
            hLast = h;
        }
        output.WriteLine($"largest relative difference from solver_type='heun': {heunapart:E3}");
        Assert.True(heunapart > 1e-3, $"the heun solver type is only {heunapart:E3} away: the test cannot tell the two apart");
    }

    [Fact]
    public void Dpmpp3M_EveryStep_IsKDiffusionsSampleDpmpp3MSdeWithEtaZero_ButForTheQuadraticTermsWeight()
    {
        // sample_dpmpp_3m_sde with η = 0 (k-diffusion has no separate 3M ODE sampler): h_η = h; x ← e^{−h}x − expm1(−h)·D; with two earlier D: r₀ = h₁/h, r₁ = h₂/h, d1_0 = (D − D₁)/r₀,
        // d1_1 = (D₁ − D₂)/r₁, d₁ = d1_0 + (d1_0 − d1_1)r₀/(r₀ + r₁), d₂ = (d1_0 − d1_1)/(r₀ + r₁), φ₂ = expm1(−h)/h + 1,
        // φ₃ = φ₂/h − ½, x ← x + φ₂d₁ − φ₃d₂; with one: x ← x + φ₂(D − D₁)/r. Ours adds −φ₃d₂ once more: k-diffusion's weight
        // is half the exact integral of the interpolant's τ² term (docs/comparison.md; the same in diffusers and dpm-solver).
        var (plan, steps) = Record(new DpmSolverPlusPlus3MSampler());
        double? h1 = null, h2 = null;
        double[]? d1Old = null, d2Old = null;
        double apart = 0.0;
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, _, x, d, next) = View(plan, steps, k);
            double h = sigmaNext == 0 ? double.NaN : Math.Log(sigma) - Math.Log(sigmaNext);
            for (int j = 0; j < x.Length; j++)
            {
                if (sigmaNext == 0) { Close(d[j], next[j], $"denoising step, value {j}"); continue; }
                double anchor = Math.Exp(-h) * x[j] - Expm1(-h) * d[j], missing = 0.0;
                double phi2 = Expm1(-h) / h + 1;
                if (h2 is { } hb && h1 is { } ha)
                {
                    double r0 = ha / h, r1 = hb / h;
                    double a = (d[j] - d1Old![j]) / r0, b = (d1Old[j] - d2Old![j]) / r1;
                    double first = a + (a - b) * r0 / (r0 + r1), second = (a - b) / (r0 + r1);
                    double phi3 = phi2 / h - 0.5;
                    anchor += phi2 * first - phi3 * second;
                    missing = -phi3 * second;
                }
                else if (h1 is { } ha1)
                {
                    anchor += phi2 * (d[j] - d1Old![j]) / (ha1 / h);
                }
                Close(anchor + missing, next[j], $"step {k}, value {j}");
                apart = Math.Max(apart, RelativeDifference(next[j], anchor));
            }
            (d2Old, d1Old) = (d1Old, d);
            (h2, h1) = (h1, h);
        }
        output.WriteLine($"largest relative difference from k-diffusion's own weight: {apart:E3}");
        Assert.True(apart > 1e-3, $"ours is only {apart:E3} from k-diffusion's half weight: the chain does not reach the third-order steps");
    }

    /// <summary>Simpson's rule on [a, b]: exact for polynomials of degree ≤ 3, so for every Lagrange basis of LMS order ≤ 4.</summary>
    private static double Simpson(Func<double, double> f, double a, double b) => (b - a) / 6 * (f(a) + 4 * f(0.5 * (a + b)) + f(b));

    [Fact]
    public void Lms_EveryStep_IsKDiffusionsSampleLms_ButTheLastIsComfyUIsDenoisingStep()
    {
        // sample_lms (order 4): d_i = (x − D)/σ_i, q = min(i + 1, 4), x ← x + Σ_{j<q} c_j·d_{i−j} with
        // c_j = ∫_{σ_i}^{σ_{i+1}} Π_{k<q, k≠j} (τ − σ_{i−k})/(σ_{i−j} − σ_{i−k}) dτ (linear_multistep_coeff). k-diffusion integrates
        // with scipy's quad (QUADPACK's 21-point Gauss–Kronrod first pass, exact for degree ≤ 31, so its epsrel = 1e-4 never
        // binds); here Simpson's rule, exact for the cubic. Ours multiplies the basis out and integrates it exactly. k-diffusion
        // also integrates the last step to σ = 0; ComfyUI's copy and ours take the denoising step x = D there (docs/samplers.md);
        // the output line gives both against the exact ODE (docs/comparison.md).
        var (plan, steps) = Record(new LmsSampler());
        var sigmas = new List<double>();
        var slopes = new List<double[]>();
        for (int i = 0; i < steps.Count; i++)
        {
            var (sigma, sigmaNext, _, x, d, next) = View(plan, steps, i);
            sigmas.Add(sigma);
            slopes.Add(x.Zip(d, (xv, dv) => (xv - dv) / sigma).ToArray());
            int q = Math.Min(i + 1, 4);
            var coefficients = new double[q];
            for (int j = 0; j < q; j++)
            {
                int jj = j;
                coefficients[j] = Simpson(tau =>
                {
                    double product = 1.0;
                    for (int k = 0; k < q; k++)
                    {
                        if (k == jj) continue;
                        product *= (tau - sigmas[i - k]) / (sigmas[i - jj] - sigmas[i - k]);
                    }
                    return product;
                }, sigmas[i], sigmaNext);
            }
            for (int v = 0; v < x.Length; v++)
            {
                double anchor = x[v];
                for (int j = 0; j < q; j++) anchor += coefficients[j] * slopes[i - j][v];
                if (sigmaNext > 0)
                {
                    Close(anchor, next[v], $"step {i}, value {v}");
                }
                else
                {
                    Assert.Equal(d[v], next[v]);
                    double exact = SigmaSamplerOrderTests.Data.ProbabilityFlow(plan.Schedule, steps[i].Step.Index, steps[i].Xt.ToDoubleArray()[v], 0, v);
                    output.WriteLine($"onto σ = 0, value {v}: ours (D) {next[v]:R}, k-diffusion's order-4 step {anchor:R}, exact ODE {exact:R}; errors {next[v] - exact:E2} and {anchor - exact:E2}");
                }
            }
        }
    }

    [Fact]
    public void Ipndm_EveryStep_IsComfyUIsSampleIpndm()
    {
        // sample_ipndm (ComfyUI, after zju-pi/diff-sampler; not in crowsonkb/k-diffusion): d = (x − D)/σ_i, q = min(4, i + 1);
        // onto 0: x = D; else x ← x + (σ_{i+1} − σ_i)·(d | (3d − b₁)/2 | (23d − 16b₁ + 5b₂)/12 | (55d − 59b₁ + 37b₂ − 9b₃)/24)
        // with b₁, b₂, b₃ the previous slopes, newest first.
        var (plan, steps) = Record(new IpndmSampler());
        var buffer = new List<double[]>(); // newest last, as buffer_model
        for (int i = 0; i < steps.Count; i++)
        {
            var (sigma, sigmaNext, _, x, d, next) = View(plan, steps, i);
            double[] slope = x.Zip(d, (xv, dv) => (xv - dv) / sigma).ToArray();
            int order = Math.Min(4, i + 1);
            for (int j = 0; j < x.Length; j++)
            {
                double dt = sigmaNext - sigma, expected = order switch
                {
                    _ when sigmaNext == 0 => d[j],
                    1 => x[j] + dt * slope[j],
                    2 => x[j] + dt * (3 * slope[j] - buffer[^1][j]) / 2,
                    3 => x[j] + dt * (23 * slope[j] - 16 * buffer[^1][j] + 5 * buffer[^2][j]) / 12,
                    _ => x[j] + dt * (55 * slope[j] - 59 * buffer[^1][j] + 37 * buffer[^2][j] - 9 * buffer[^3][j]) / 24,
                };
                Close(expected, next[j], $"step {i}, value {j}");
            }
            buffer.Add(slope);
            if (buffer.Count > 3) buffer.RemoveAt(0);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void DpmSolver_EveryStep_IsKDiffusionsDpmSolverStep_AndTheDpmSolverReposSinglestepUpdate(int order)
    {
        // k-diffusion's DPMSolver (t = −log σ, ε = (x − D(x; σ(t)))/σ(t), h = t' − t), as dpm-solver's
        // singlestep_dpm_solver_{first,second,third}_update (noise prediction, solver_type 'dpmsolver', here α = 1):
        // 1: x − σ(t')·expm1(h)·ε; 2 (r₁ = ½): u₁ = x − σ(s₁)expm1(r₁h)ε, x − σ(t')expm1(h)ε − σ(t')/(2r₁)·expm1(h)(ε(u₁) − ε);
        // 3 (r₁ = ⅓, r₂ = ⅔): u₂ = x − σ(s₂)expm1(r₂h)ε − σ(s₂)(r₂/r₁)(expm1(r₂h)/(r₂h) − 1)(ε(u₁) − ε),
        // x − σ(t')expm1(h)ε − σ(t')/r₂·(expm1(h)/h − 1)(ε(u₂) − ε). Neither steps onto σ = 0; ours takes x = D there.
        var (plan, steps) = Record(new DpmSolverSampler(order));
        static double SigmaOf(double t) => Math.Exp(-t);
        for (int k = 0; k < steps.Count; k++)
        {
            var (sigma, sigmaNext, _, x, d, next) = View(plan, steps, k);
            for (int j = 0; j < x.Length; j++)
            {
                if (sigmaNext == 0) { Assert.Equal(d[j], next[j]); continue; }
                int jj = j;
                double Eps(double u, double t) => (u - Model(u, SigmaOf(t), jj)) / SigmaOf(t);
                double t = -Math.Log(sigma), tNext = -Math.Log(sigmaNext), h = tNext - t;
                double eps = (x[j] - d[j]) / SigmaOf(t), expected;
                if (order == 1) expected = x[j] - SigmaOf(tNext) * Expm1(h) * eps;
                else if (order == 2)
                {
                    const double r1 = 0.5;
                    double s1 = t + r1 * h, u1 = x[j] - SigmaOf(s1) * Expm1(r1 * h) * eps;
                    expected = x[j] - SigmaOf(tNext) * Expm1(h) * eps - SigmaOf(tNext) / (2 * r1) * Expm1(h) * (Eps(u1, s1) - eps);
                }
                else
                {
                    const double r1 = 1.0 / 3, r2 = 2.0 / 3;
                    double s1 = t + r1 * h, s2 = t + r2 * h;
                    double u1 = x[j] - SigmaOf(s1) * Expm1(r1 * h) * eps;
                    double u2 = x[j] - SigmaOf(s2) * Expm1(r2 * h) * eps - SigmaOf(s2) * (r2 / r1) * (Expm1(r2 * h) / (r2 * h) - 1) * (Eps(u1, s1) - eps);
                    expected = x[j] - SigmaOf(tNext) * Expm1(h) * eps - SigmaOf(tNext) / r2 * (Expm1(h) / h - 1) * (Eps(u2, s2) - eps);
                }
                Close(expected, next[j], $"order {order}, step {k}, value {j}");
            }
        }
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(0.01)]
    [InlineData(0.3)]
    [InlineData(-0.05)]
    [InlineData(0.4999)]
    [InlineData(-0.5)]
    [InlineData(2.0)]
    public void DpmSolversPhi2_IsAccurate_WhereExpMinusOneMinusXCancels(double x)
    {
        // φ₂(x) = (e^x − 1 − x)/x² = Σ_{k≥0} x^k/(k + 2)!: the series summed to rounding is the reference. With .NET's
        // double.ExpM1 (= Exp(x) − 1) the quotient was off by 8.6e-11 relative at x = 1e-3, 2.2e-12 at 0.01 and 7.6e-15 at
        // −0.05 (found writing out the anchors' coefficients, which use torch.expm1; issue 11).
        // the series in decimal (28 digits), so the reference shares neither the arithmetic nor the rounding of ours
        decimal term = 0.5m, sum = 0.0m, power = (decimal)x;
        for (int k = 0; k < 40; k++)
        {
            sum += term;
            term = term * power / (k + 3);
        }
        double series = (double)sum;
        double ours = DpmSolverSampler.Phi2(x);
        output.WriteLine($"x = {x}: φ₂ {ours:R}, series {series:R}, relative error {RelativeDifference(ours, series):E2}");
        Assert.True(RelativeDifference(ours, series) <= 2e-15, $"φ₂({x}) = {ours:R}, series {series:R}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    [InlineData(400)]
    public void NearestTimesteps_AreKDiffusionsQuantizedSigmaToT_EachKeptOnce(int n)
    {
        // DiscreteSchedule.sigma_to_t(σ, quantize=True) = argmin_k |log σ − log σ_k| over σ_k = √((1 − ᾱ)/ᾱ) of the model's
        // alphas_cumprod, k = 0..T − 1 (our timestep k + 1), the first on ties (torch.argmin). k-diffusion keeps a timestep
        // as often as the grid hits it; the chain keeps it once.
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        double[] logSigmas = Enumerable.Range(1, schedule.Steps).Select(t => Math.Log(Math.Sqrt((1 - schedule.AlphaBar(t)) / schedule.AlphaBar(t)))).ToArray();
        double[] grid = SigmaSpace.KarrasSigmas(n, Math.Exp(logSigmas[0]), Math.Exp(logSigmas[^1]));
        var anchor = new List<int>();
        foreach (double sigma in grid.Where(s => s > 0))
        {
            int best = 0;
            for (int k = 1; k < logSigmas.Length; k++)
                if (Math.Abs(Math.Log(sigma) - logSigmas[k]) < Math.Abs(Math.Log(sigma) - logSigmas[best])) best = k;
            anchor.Add(best + 1);
        }
        IReadOnlyList<int> ours = SigmaSpace.NearestTimesteps(schedule, grid).Timesteps;
        output.WriteLine($"n = {n}: k-diffusion {anchor.Count} model calls at {anchor.Distinct().Count()} distinct timesteps; ours {ours.Count} steps");
        Assert.Equal(anchor.Distinct().Order(), ours.Order());
    }

    // ---- the σ grids: get_sigmas_karras, _exponential, _polyexponential, _vp (float64) -----------------------------------

    /// <summary>torch.linspace in float64 on the CPU: step = (end − start)/(n − 1), start + i·step below n/2, end − (n − 1 − i)·step from there.</summary>
    private static double[] Linspace(double start, double end, int n)
    {
        if (n == 1) return [start];
        double step = (end - start) / (n - 1);
        return Enumerable.Range(0, n).Select(i => i < n / 2 ? start + i * step : end - (n - 1 - i) * step).ToArray();
    }

    private static double[] AppendZero(IEnumerable<double> sigmas) => [.. sigmas, 0.0];

    private static void SameGrid(double[] anchor, double[] ours, string what)
    {
        Assert.Equal(anchor.Length, ours.Length);
        for (int i = 0; i < anchor.Length; i++)
        {
            if (anchor[i] == 0) Assert.Equal(0.0, ours[i]);
            else Close(anchor[i], ours[i], $"{what}, σ_{i}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(30)]
    [InlineData(1000)]
    public void SigmaGrids_AreKDiffusionsGetSigmas(int n)
    {
        foreach (var (min, max, rho) in new[] { (0.002, 80.0, 7.0), (0.0292, 14.6146, 3.0), (0.1, 10.0, 1.0) })
        {
            double minInvRho = Math.Pow(min, 1 / rho), maxInvRho = Math.Pow(max, 1 / rho);
            SameGrid(AppendZero(Linspace(0, 1, n).Select(r => Math.Pow(maxInvRho + r * (minInvRho - maxInvRho), rho))), SigmaSpace.KarrasSigmas(n, min, max, rho), $"karras {n} {min} {max} {rho}");
            SameGrid(AppendZero(Linspace(Math.Log(max), Math.Log(min), n).Select(Math.Exp)), SigmaSpace.ExponentialSigmas(n, min, max), $"exponential {n} {min} {max}");
            foreach (double polyRho in new[] { 1.0, 0.5, 2.5 })
                SameGrid(AppendZero(Linspace(1, 0, n).Select(r => Math.Exp(Math.Pow(r, polyRho) * (Math.Log(max) - Math.Log(min)) + Math.Log(min)))),
                    SigmaSpace.PolyexponentialSigmas(n, min, max, polyRho), $"polyexponential {n} {min} {max} {polyRho}");
        }
        foreach (var (betaD, betaMin, epsS) in new[] { (19.9, 0.1, 1e-3), (12.0, 0.5, 0.05) })
            SameGrid(AppendZero(Linspace(1, epsS, n).Select(t => Math.Sqrt(Math.Exp(betaD * t * t / 2 + betaMin * t) - 1))), SigmaSpace.VpSigmas(n, betaD, betaMin, epsS), $"vp {n} {betaD} {betaMin} {epsS}");
    }

    [Fact]
    public void VpSigmas_KeepTheirDigitsAtTinyTimes_WhereKDiffusionsExpMinusOneCancels()
    {
        // get_sigmas_vp takes √(exp(·) − 1): at ε_s = 1e-12 the exponent is ≈ 1e-13 and exp rounds it to a multiple of 2⁻⁵²,
        // so σ² loses ~3 digits; ComfyUI's copy uses torch.special.expm1, as we do (AccurateMath.ExpM1).
        double epsS = 1e-12, exponent = 19.9 * epsS * epsS / 2 + 0.1 * epsS;
        double ours = SigmaSpace.VpSigmas(2, epsilonS: epsS)[1];
        double kDiffusion = Math.Sqrt(Math.Exp(exponent) - 1), comfy = Math.Sqrt(AccurateMath.ExpM1(exponent));
        double exact = Math.Sqrt(exponent * (1 + exponent / 2)); // e^u − 1 = u(1 + u/2 + …), u = 1e-13
        output.WriteLine($"σ at t = 1e-12: ours {ours:R}, k-diffusion's form {kDiffusion:R} ({RelativeDifference(kDiffusion, exact):E2}), exact {exact:R}");
        Close(exact, ours, "ours");
        Close(exact, comfy, "ComfyUI's expm1 form");
        Assert.True(RelativeDifference(kDiffusion, exact) > 1e-6, $"k-diffusion's exp(·) − 1 form is {RelativeDifference(kDiffusion, exact):E2} off; expected digits lost");
    }
}
