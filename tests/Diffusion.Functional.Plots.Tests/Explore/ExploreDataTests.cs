using Diffusion.Functional.Images;
using Diffusion.Functional.Plots.Explore;
using Diffusion.Functional.Plots.Tests.Support;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Plots.Tests.Explore;

/// <summary>The explorer's data is the library's mathematics: q(x_t | x_0), the posterior, the oracle chain and the runs.</summary>
public class ExploreDataTests
{
    private static readonly Lazy<ExploreModel> Model = new(() =>
        ExploreData.Compute(FigureInputs.FromShippedSample, ExplorePage.KeyFor(FigureCatalogue.DefaultSeed), FigureCatalogue.DefaultSeed));

    private static IEnumerable<(ScheduleView View, ExploreDigit Digit, StepView Step)> AllSteps() =>
        from view in Model.Value.Views
        from pair in view.Digits.Zip(Model.Value.Digits)
        from step in pair.First.Steps
        select (view, pair.Second, step);

    [Property]
    public bool SliderSteps_StartAtZero_EndAtT_AndAscend(PositiveInt steps)
    {
        int T = Math.Min(steps.Get, 5000);
        int[] t = ExploreData.SliderSteps(T);
        return t[0] == 0 && t[^1] == T && t.Zip(t.Skip(1)).All(p => p.First < p.Second);
    }

    [Fact]
    public void SliderSteps_OfTheSeedsSchedule_AreTheListedOnes() =>
        Assert.Equal([0, 1, 2, 3, 5, .. Enumerable.Range(1, 20).Select(k => 10 * k)], ExploreData.SliderSteps(200));

    [Property]
    public Property ChainFrameSteps_StartAtT_EndAtZero_Descend_AndKeepAtMostTheLimit()
    {
        return Prop.ForAll(Gen.Choose(0, 3000).ToArbitrary(), t =>
        {
            int[] s = ExploreData.ChainFrameSteps(t);
            bool shape = s[0] == t && s[^1] == 0 && s.Zip(s.Skip(1)).All(p => p.First > p.Second) && s.Length <= ExploreData.MaxChainFrames;
            bool everyStepWhenFew = t + 1 > ExploreData.MaxChainFrames || s.Length == t + 1;
            return shape && everyStepWhenFew;
        });
    }

    [Fact]
    public void EveryOracleChain_StartsAtTheShownXt_AndEndsAtX0Exactly()
    {
        foreach (var (view, digit, step) in AllSteps())
        {
            Assert.Equal(ExploreData.ChainFrameSteps(step.T), step.ChainFrames.Select(f => f.Step));
            Assert.True(step.ChainFrames[0].X.Equals(step.Xt), $"{view.Name}, t = {step.T}: the chain does not start at x_t");
            Assert.True(step.ChainFrames[^1].X.Equals(digit.X0), $"{view.Name}, t = {step.T}: the chain ends {step.ChainFrames[^1].X.MaxAbsDifference(digit.X0)} away from x_0");
        }
    }

    [Fact]
    public void Xt_IsSqrtAlphaBarX0_PlusSqrtOneMinusAlphaBarNoise_AndX0AtTZero()
    {
        foreach (var view in Model.Value.Views)
        {
            foreach (var (digitView, digit) in view.Digits.Zip(Model.Value.Digits))
            {
                foreach (StepView step in digitView.Steps)
                {
                    NoiseSchedule s = view.Schedule;
                    Image expected = step.T == 0 ? digit.X0 : Image.Combine(s.SqrtAlphaBar(step.T), digit.X0, s.SqrtOneMinusAlphaBar(step.T), digitView.Noise);
                    // DDPM eq. 4 reparameterised; |x| < 10, so a few ulps are below 1e-14.
                    Assert.True(step.Xt.MaxAbsDifference(expected) <= 1e-14, $"{view.Name}, t = {step.T}: x_t is {step.Xt.MaxAbsDifference(expected)} off DDPM eq. 4");
                }
            }
        }
    }

    [Fact]
    public void PosteriorMean_IsTheWeightedSumOfX0AndXt_WithVarianceBetaTilde()
    {
        foreach (var (view, digit, step) in AllSteps())
        {
            if (step.T == 0)
            {
                Assert.Null(step.Posterior);
                continue;
            }
            NoiseSchedule s = view.Schedule;
            GaussianImage posterior = Assert.IsType<GaussianImage>(step.Posterior);
            Image expected = Image.Combine(s.PosteriorMeanCoefX0(step.T), digit.X0, s.PosteriorMeanCoefXt(step.T), step.Xt);
            Assert.True(posterior.Mean.MaxAbsDifference(expected) <= 1e-15, $"{view.Name}, t = {step.T}: μ̃ is off DDPM eq. 7");
            Assert.Equal(s.PosteriorVariance(step.T), posterior.Variance);
        }
    }

    [Fact]
    public void Views_AreTheSeedsScheduleAndDdpms_WithThreeDigits_TheSeedsFirst()
    {
        ExploreModel model = Model.Value;
        Assert.Equal([CanonicalSchedules.Seed, CanonicalSchedules.Ddpm], model.Views.Select(v => v.Schedule));
        Assert.Equal(3, model.Digits.Count);
        Assert.Equal(FigureInputs.FromShippedSample.Digit, model.Digits[0].X0);
        Assert.Equal(model.Digits.Count, model.Digits.Select(d => d.X0).Distinct().Count());
        Assert.Equal([NoiseSchedule.Cosine(200), NoiseSchedule.Cosine(1000)], model.Curves.Select(c => c.Cosine));
    }

    [Fact]
    public void GenerationRuns_StartAtTheSameNoise_RunAllTheirSteps_AndEndAtX0()
    {
        GenerationView generation = Model.Value.Generation;
        Assert.Equal(CanonicalSchedules.Ddpm, generation.Schedule);
        Assert.Equal(2 * GenerationRuns.StepCounts.Count, generation.Runs.Count);
        Image start = generation.Runs[0].Frames[0].Xt;
        foreach (GenerationRun run in generation.Runs)
        {
            Assert.Equal(run.StepCount + 1, run.Frames.Count);
            Assert.Equal(1000, run.Frames[0].T);
            Assert.Equal(0, run.Frames[^1].T);
            Assert.Equal(start, run.Frames[0].Xt);
            Assert.All(run.Frames, f => Assert.Equal(f.T == 0, f.PredictedX0 is null));
            Assert.Equal(new Denoisers.EmpiricalData(FigureInputs.FromShippedSample.Digits).NearestIndex(run.Frames[^1].Xt), run.NearestTrainingDigit);
        }
    }
}
