using System.Text.Json;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx.Tests.Support;

/// <summary>The ONNX fixtures made by tools/mnist-model/train.py fixtures, and the closed form of the Gaussian ones.</summary>
public static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string ModelsPathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Models", name);

    /// <summary>The options the 1 × 4 × 4 fixtures are loaded with.</summary>
    public static OnnxDenoiserOptions Small { get; } = new(1, 4, 4);

    /// <summary>The Gaussian data of the fixtures: x_0 | y ~ N(μ_y, diag(s²)), per pixel, 11 labels; DDPM's linear schedule.</summary>
    public static GaussianFixture Gaussian { get; } = GaussianFixture.Read(PathOf("gaussian-fixture.json"));
}

public sealed class GaussianFixture
{
    private GaussianFixture(double[] s, double[][] mu, NoiseSchedule schedule) => (S, Mu, Schedule) = (s, mu, schedule);

    public double[] S { get; }

    public double[][] Mu { get; }

    public NoiseSchedule Schedule { get; }

    public int Pixels => S.Length;

    public static GaussianFixture Read(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        double[] s = root.GetProperty("s").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double[][] mu = root.GetProperty("mu").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var schedule = NoiseSchedule.Linear(root.GetProperty("steps").GetInt32(), root.GetProperty("beta_start").GetDouble(), root.GetProperty("beta_end").GetDouble());
        return new GaussianFixture(s, mu, schedule);
    }

    /// <summary>
    /// E[ε | x_t, y] at our 1-based t for pixel p, and the sum of the magnitudes of its two terms (for the rounding
    /// bound): ε̂ = a·x_t + b·μ_y, a = √(1 − ᾱ_t)/(ᾱ_t s² + 1 − ᾱ_t), b = −√ᾱ_t·a.
    /// </summary>
    public (double Value, double Magnitude) Epsilon(int t, int label, int pixel, double xt)
    {
        double alphaBar = Schedule.AlphaBar(t), oneMinus = Schedule.OneMinusAlphaBar(t);
        double s2 = S[pixel] * S[pixel];
        double a = Math.Sqrt(oneMinus) / (alphaBar * s2 + oneMinus);
        double b = -Math.Sqrt(alphaBar) * a;
        double mu = Mu[label][pixel];
        return (a * xt + b * mu, Math.Abs(a * xt) + Math.Abs(b * mu));
    }
}
