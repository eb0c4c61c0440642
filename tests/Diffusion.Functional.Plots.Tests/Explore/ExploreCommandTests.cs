using Diffusion.Cli;
using Diffusion.Functional.Plots.Explore;
using Diffusion.Functional.Plots.Tests.Support;

namespace Diffusion.Functional.Plots.Tests.Explore;

/// <summary><c>diffusion explore</c>: writes the page and nothing else; bad usage exits with code 2.</summary>
public sealed class ExploreCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-explore-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = DiffusionCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Explore_WritesOnlyThePage_WithTheLibrarysBytesForTheSeed()
    {
        string target = Path.Combine(_folder, "site");
        var (code, output, error) = Run("explore", "--out", target, "--seed", "7");
        Assert.True(code == 0, $"diffusion explore exited {code}: {error}");
        Assert.Equal([ExplorePage.FileName], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal(ExplorePage.RenderHtml(FigureInputs.FromShippedSample, 7), File.ReadAllBytes(Path.Combine(target, ExplorePage.FileName)));
        Assert.Contains(ExplorePage.FileName, output);
    }

    [Fact]
    public void Explore_WithoutOut_IsAUsageError()
    {
        var (code, _, error) = Run("explore");
        Assert.Equal(2, code);
        Assert.Contains("--out", error);
    }

    [Fact]
    public void Explore_WithAMissingMnistFolder_IsAUsageErrorNamingTheOption_AndWritesNothing()
    {
        var (code, _, error) = Run("explore", "--out", _folder, "--mnist", Path.Combine(_folder, "nowhere"));
        Assert.Equal(2, code);
        Assert.Contains("--mnist", error);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }
}
