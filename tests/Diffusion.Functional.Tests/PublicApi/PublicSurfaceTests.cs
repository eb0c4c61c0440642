using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.PublicApi;

/// <summary>
/// The public API of the four libraries is the reviewed one in docs/public-api.txt (reviewed for 1.0): adding,
/// removing or changing a public type or member fails here until that file is updated deliberately. On a mismatch the
/// surface as built is written next to it as docs/public-api.received.txt (git-ignored) for a diff.
/// </summary>
public class PublicSurfaceTests
{
    [Fact]
    public void PublicSurface_IsTheReviewedOne()
    {
        string actual = string.Join("\n", new[] { typeof(NoiseSchedule), typeof(MnistSample), typeof(FigureCatalogue), typeof(OnnxDenoiser) }
            .Select(t => PublicSurface.Of(t.Assembly)));
        string root = Repository.Root();
        string approvedPath = Path.Combine(root, "docs", "public-api.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved == actual) return;

        File.WriteAllText(Path.Combine(root, "docs", "public-api.received.txt"), actual);
        var expectedLines = approved.Split('\n').ToHashSet();
        var actualLines = actual.Split('\n').ToHashSet();
        string[] added = actualLines.Except(expectedLines).Take(20).ToArray();
        string[] removed = expectedLines.Except(actualLines).Take(20).ToArray();
        Assert.Fail($"The public API differs from docs/public-api.txt (the built surface is in docs/public-api.received.txt).\n" +
                    $"New or changed:\n  {string.Join("\n  ", added)}\nGone or changed:\n  {string.Join("\n  ", removed)}");
    }
}
