using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Tests.Cli;

/// <summary><c>diffusion samplers</c> and the registry it prints: one list, read by the CLI, the figures and the docs.</summary>
public class SamplersCommandTests
{
    [Fact]
    public void Names_PrintsOneRegisteredNamePerLine_ForScripts()
    {
        var result = CliRunner.Run("samplers", "--names");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(SamplerRegistry.Names, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TheTable_HasARowPerSampler_WithItsOrderEvaluationsAndSource()
    {
        var result = CliRunner.Run("samplers");
        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SamplerRegistry.All.Count + 1, lines.Length);
        foreach (SamplerEntry entry in SamplerRegistry.All)
        {
            string row = Assert.Single(lines, line => line.StartsWith(entry.Name + " ", StringComparison.Ordinal));
            Assert.Contains(entry.Source, row);
            Assert.Contains($"  {entry.Order}  ", row.Replace("    ", "  "));
        }
    }

    [Fact]
    public void TheRegistry_HasUniqueLowerCaseNames_AndEachEntryBuildsItsSampler()
    {
        Assert.Equal(SamplerRegistry.Names.Count, SamplerRegistry.Names.Distinct().Count());
        foreach (SamplerEntry entry in SamplerRegistry.All)
        {
            Assert.Equal(entry.Name.ToLowerInvariant(), entry.Name);
            ISampler sampler = entry.Create(new SamplerOptions());
            Assert.Equal(entry.EvaluationsPerStep, sampler.EvaluationsPerStep);
            Assert.Same(entry, SamplerRegistry.Find(entry.Name.ToUpperInvariant()));
        }
        var error = Assert.Throws<ArgumentException>(() => SamplerRegistry.Find("eulerr"));
        Assert.Contains("'eulerr' is not a sampler; the samplers are: " + string.Join(", ", SamplerRegistry.Names), error.Message);
        Assert.Null(SamplerRegistry.TryFind(null));
    }
}
