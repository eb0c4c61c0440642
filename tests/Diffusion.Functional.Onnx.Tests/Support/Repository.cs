using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Onnx.Tests.Support;

public static class Repository
{
    public static string Root { get; } = RepositoryRoot.Find();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
