using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>The denoiser wrapper: it passes (x_t, t) through and rejects outputs that do not fit.</summary>
public class DenoiserTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);

    [Fact]
    public void Evaluate_PassesXtAndT_AndTypesThePrediction()
    {
        var calls = new List<int>();
        Denoiser denoiser = Denoiser.Create(Schedule, PredictionTarget.V, (xt, t) => { calls.Add(t); return xt.Scaled(2); });
        Prediction prediction = denoiser.Predict(Image.Filled(2, 1, 0.25), 7);
        Assert.Equal(PredictionTarget.V, prediction.Target);
        Assert.Equal(Image.Filled(2, 1, 0.5), prediction.Value);
        Assert.Equal([7], calls);
        Assert.Contains("v-denoiser for linear", denoiser.ToString());
    }

    [Fact]
    public void Evaluate_Rejects_BadTimesteps_AndOutputsThatDoNotFit()
    {
        Denoiser wrongShape = Denoiser.Create(Schedule, PredictionTarget.X0, (xt, t) => Image.Filled(1, 1, 0));
        Assert.Contains("1×1 prediction for a 2×2", Assert.Throws<InvalidOperationException>(() => wrongShape.Evaluate(Image.Filled(2, 2, 0), 3)).Message);
        Assert.Equal("t", Assert.Throws<ArgumentOutOfRangeException>(() => wrongShape.Evaluate(Image.Filled(1, 1, 0), 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => wrongShape.Evaluate(Image.Filled(1, 1, 0), 11));

        Denoiser noVariance = Denoiser.CreateWithLearnedVariance(Schedule, PredictionTarget.X0, (xt, t) => new DenoiserOutput(xt));
        Assert.Contains("no variance interpolation", Assert.Throws<InvalidOperationException>(() => noVariance.Evaluate(Image.Filled(1, 1, 0), 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Denoiser.Create(Schedule, (PredictionTarget)5, (xt, t) => xt));
    }
}
