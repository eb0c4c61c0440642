using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Tests.Support;

/// <summary>The repository the tests run in.</summary>
internal static class Repository
{
    /// <summary>The folder holding Diffusion.Functional.sln, above the test binaries.</summary>
    public static string Root() => RepositoryRoot.Find();
}
