using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>Paths in the repository the tests run in.</summary>
public static class Repository
{
    /// <summary>The folder holding Diffusion.Functional.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = RepositoryRoot.Find();

    /// <summary>A path relative to the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
