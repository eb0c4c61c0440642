using Diffusion.Functional.Plots.Tests.Support;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>
/// One image snapshot per figure of the catalogue, drawn from the shipped MNIST sample with the default seed: the
/// approved images in snapshots/ were looked at before they were approved.
/// </summary>
public class FigureSnapshotTests
{
    private static void Verify(FigureId id, string method) =>
        SnapshotApproval.VerifyPng(FigureInputs.Render(id), nameof(FigureSnapshotTests), method);

    [Fact] public void SeedForward() => Verify(FigureId.SeedForward, nameof(SeedForward));

    [Fact] public void SeedReverse() => Verify(FigureId.SeedReverse, nameof(SeedReverse));

    [Fact] public void ForwardStrip() => Verify(FigureId.ForwardStrip, nameof(ForwardStrip));

    [Fact] public void OracleChainStrip() => Verify(FigureId.OracleChainStrip, nameof(OracleChainStrip));

    [Fact] public void ScheduleCurves() => Verify(FigureId.ScheduleCurves, nameof(ScheduleCurves));

    [Fact] public void PixelHistogram() => Verify(FigureId.PixelHistogram, nameof(PixelHistogram));

    [Fact] public void DigitClassGrid() => Verify(FigureId.DigitClassGrid, nameof(DigitClassGrid));

    [Fact] public void GenerationStrip() => Verify(FigureId.GenerationStrip, nameof(GenerationStrip));

    [Fact] public void SamplerComparison() => Verify(FigureId.SamplerComparison, nameof(SamplerComparison));

    [Fact] public void SamplerOrder() => Verify(FigureId.SamplerOrder, nameof(SamplerOrder));

    [Fact] public void LossWeighting() => Verify(FigureId.LossWeighting, nameof(LossWeighting));
    [Fact] public void StochasticLaw() => Verify(FigureId.StochasticLaw, nameof(StochasticLaw));
    [Fact] public void NetworkQuality() => Verify(FigureId.NetworkQuality, nameof(NetworkQuality));
    [Fact] public void NetworkDigits() => Verify(FigureId.NetworkDigits, nameof(NetworkDigits));
    [Fact] public void NetworkSamplers() => Verify(FigureId.NetworkSamplers, nameof(NetworkSamplers));

    [Fact]
    public void EveryFigureOfTheCatalogue_HasASnapshotTestNamedAfterIt()
    {
        var tests = typeof(FigureSnapshotTests).GetMethods().Select(m => m.Name).ToHashSet();
        Assert.All(FigureCatalogue.All, figure => Assert.Contains(figure.Id.ToString(), tests));
        Assert.Equal(Enum.GetValues<FigureId>().Order(), FigureCatalogue.All.Select(f => f.Id).Order());
    }

    [Fact]
    public void SnapshotsFolder_HoldsOnlyApprovedImagesOfThisCatalogue()
    {
        string[] approved = Directory.GetFiles(SnapshotApproval.Folder, "*.approved.png").Select(Path.GetFileName).OfType<string>().Order().ToArray();
        string[] expected = FigureCatalogue.All.Select(f => $"{nameof(FigureSnapshotTests)}.{f.Id}.approved.png").Order().ToArray();
        Assert.Equal(expected, approved);
    }
}
