using Diffusion.Functional.Schedules;
using Diffusion.Functional.Plots.Tests.Support;
using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>What the figures are drawn from: the generation schedule's default and its check.</summary>
public class FigureDataTests
{
    [Fact]
    public void Create_Rejects_AGenerationScheduleTooShortForTheSamplingFigures_AndDefaultsToDdpms()
    {
        FigureData shipped = FigureInputs.FromShippedSample;
        Image[] digits = shipped.DigitOfEachClass.ToArray();
        var error = Assert.Throws<ArgumentException>(() =>
            FigureData.Create(CanonicalSchedules.Seed, digits, Enumerable.Range(0, 10).ToArray(), 0, NoiseSchedule.Linear(99, 1e-4, 0.02)));
        Assert.Contains("generationSchedule has T = 99 steps; the sampling figures need T ≥ 100", error.Message);
        Assert.Same(CanonicalSchedules.Ddpm, FigureData.Create(CanonicalSchedules.Seed, digits, Enumerable.Range(0, 10).ToArray(), 0).GenerationSchedule);
    }
}
