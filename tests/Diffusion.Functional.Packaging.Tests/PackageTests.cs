using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Diffusion.Functional.Packaging.Tests.Support;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>What <c>dotnet pack</c> makes of src/: five packages with their symbols, the shared metadata, the right dependencies and contents.</summary>
[Collection(PackagingCollection.Name)]
public class PackageTests(PackagingWorkspace workspace)
{
    private string Version => Repository.Version;

    private NuGetPackage Package(string id) => NuGetPackage.Read(Path.Combine(workspace.Feed, $"{id}.{Version}.nupkg"));

    private NuGetPackage SymbolPackage(string id) => NuGetPackage.Read(Path.Combine(workspace.Feed, $"{id}.{Version}.snupkg"));

    [Fact]
    public void Pack_WritesOnePackageAndOneSymbolPackage_PerPackableProject()
    {
        string[] written = Directory.GetFiles(workspace.Feed).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        string[] expected = Repository.PackableProjects
            .SelectMany(p => new[] { $"{p.PackageId}.{Version}.nupkg", $"{p.PackageId}.{Version}.snupkg" })
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, written);
    }

    [Fact]
    public void EveryPackage_CarriesTheSharedMetadata_ReadmeLicenceAndCommit()
    {
        string commit = GitHead();
        byte[] readme = File.ReadAllBytes(Repository.PathOf("docs", "package-readme.md"));
        byte[] licence = File.ReadAllBytes(Repository.PathOf("LICENSE"));
        foreach (var (id, _) in Repository.PackableProjects)
        {
            NuGetPackage package = Package(id);
            Assert.Equal(id, package.Value("id"));
            Assert.Equal(Version, package.Value("version"));
            Assert.Equal("Diffusion.Functional contributors", package.Value("authors"));
            Assert.Equal("expression", package.Element("license")?.Attribute("type")?.Value);
            Assert.Equal("MIT", package.Value("license"));
            Assert.False(string.IsNullOrWhiteSpace(package.Value("description")), $"{id} has no description.");
            Assert.Equal("README.md", package.Value("readme"));
            Assert.Equal(readme, package.File("README.md"));
            Assert.Equal(licence, package.File("LICENSE"));
            // The repository is named by kind and commit only: there is no public address to point to.
            var repository = package.Element("repository");
            Assert.NotNull(repository);
            Assert.Equal("git", repository.Attribute("type")?.Value);
            Assert.Equal(commit, repository.Attribute("commit")?.Value);
            Assert.Null(repository.Attribute("url"));
            Assert.Null(package.Element("projectUrl"));
        }
    }

    [Fact]
    public void CorePackage_HasNoDependency_AndShipsItsAssemblyWithXmlDocs()
    {
        NuGetPackage core = Package("Diffusion.Functional");
        Assert.Empty(core.Dependencies);
        Assert.Equal(
            ["lib/net10.0/Diffusion.Functional.dll", "lib/net10.0/Diffusion.Functional.xml"],
            core.Files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CorePackage_PrecompiledForLinuxX64_InRuntimesOnly_SoLibAndTheToolRunEverywhere()
    {
        // Issue 13: the kernels ship precompiled (crossgen2, x86-64-v3) for linux-x64. A runtime on another OS or
        // architecture refuses such an image (BadImageFormatException), so lib/ and the tool (which runs on every OS)
        // must carry the IL alone, and the precompiled copy goes where only linux-x64 loads it.
        NuGetPackage core = Package("Diffusion.Functional");
        AssertIlOnly(core.File("lib/net10.0/Diffusion.Functional.dll"));
        AssertIlOnly(Package(Repository.ToolPackageId).File("tools/net10.0/any/Diffusion.Functional.dll"));
        string[] runtimes = core.Files.Where(f => f.StartsWith("runtimes/", StringComparison.Ordinal)).ToArray();
        if (System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier != "linux-x64")
        {
            Assert.Empty(runtimes); // the project precompiles only on a linux-x64 build machine (the compiler is per host)
            return;
        }
        Assert.Equal(["runtimes/linux-x64/lib/net10.0/Diffusion.Functional.dll"], runtimes);
        using var pe = new PEReader(new MemoryStream(core.File(runtimes[0])));
        Assert.True(pe.GetMetadataReader().MethodDefinitions.Count > 0); // the IL and metadata stay
        DirectoryEntry native = pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory;
        Assert.True(native.Size > 0, "The linux-x64 asset has no ReadyToRun header: crossgen2 did not run.");
        Assert.Equal(0x00525452u, pe.GetSectionData(native.RelativeVirtualAddress).GetReader().ReadUInt32()); // "RTR"
        // crossgen2 writes the target OS into the machine field: AMD64 (0x8664) xor Linux's 0x7B79.
        Assert.Equal(0x8664 ^ 0x7B79, (int)pe.PEHeaders.CoffHeader.Machine);
    }

    private static void AssertIlOnly(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        Assert.Equal(0, pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size);
        Assert.True((pe.PEHeaders.CorHeader.Flags & CorFlags.ILOnly) != 0);
    }

    [Fact]
    public void DataPackage_DependsOnTheCoreAlone_AndEmbedsTheMnistSample()
    {
        NuGetPackage data = Package("Diffusion.Functional.Data");
        Assert.Equal([$"Diffusion.Functional {Version}"], data.Dependencies);
        data.File("lib/net10.0/Diffusion.Functional.Data.xml");
        Assert.Equal(
            ["mnist-sample-images-idx3-ubyte.gz", "mnist-sample-labels-idx1-ubyte.gz"],
            data.EmbeddedResources("lib/net10.0/Diffusion.Functional.Data.dll"));
    }

    [Fact]
    public void PlotsPackage_DependsOnTheCoreAndScottPlot_AndCarriesTheFontWithItsLicence()
    {
        NuGetPackage plots = Package("Diffusion.Functional.Plots");
        Assert.Equal([$"Diffusion.Functional {Version}", $"ScottPlot {Repository.PinnedVersion("ScottPlot")}"], plots.Dependencies);
        plots.File("lib/net10.0/Diffusion.Functional.Plots.xml");
        // The font, the explorer page's HTML template (ExplorePage fills in its data), and the UNet's measured tables: its
        // bound and loss per t (the loss-weightings figure) and its quality (the network-quality figure).
        Assert.Equal(["DejaVuSans.ttf", "Diffusion.Functional.Plots.Explore.explore.html", "mnist-unet-bpd.csv", "mnist-unet-loss-per-t.csv", "mnist-unet-quality.csv"], plots.EmbeddedResources("lib/net10.0/Diffusion.Functional.Plots.dll"));
        Assert.Equal(
            File.ReadAllBytes(Repository.PathOf("src", "Diffusion.Functional.Plots", "Fonts", "DejaVu-LICENSE.txt")),
            plots.File("licenses/DejaVu-LICENSE.txt"));
    }

    [Fact]
    public void ToolPackage_CarriesOnnxRuntimeForTheDesktop_AndNotForPhones()
    {
        // ONNX Runtime ships iOS and Android libraries too (114 MB together); a .NET tool never runs there (Diffusion.Cli.csproj).
        NuGetPackage tool = Package("Diffusion.Functional.Cli");
        foreach (string rid in new[] { "linux-x64", "linux-arm64", "osx-arm64", "win-x64", "win-arm64" })
            Assert.Contains(tool.Files, f => f.StartsWith($"tools/net10.0/any/runtimes/{rid}/native/", StringComparison.Ordinal) && f.Contains("onnxruntime", StringComparison.Ordinal));
        Assert.DoesNotContain(tool.Files, f => f.StartsWith("tools/net10.0/any/runtimes/ios/", StringComparison.Ordinal) || f.StartsWith("tools/net10.0/any/runtimes/android/", StringComparison.Ordinal));
    }

    [Fact]
    public void OnnxPackage_DependsOnTheCoreAndOnnxRuntime_AndEmbedsTheShippedModels()
    {
        // The core for OnnxBatchDenoiser (the adapter to the samplers' IBatchDenoiser), ONNX Runtime for the sessions.
        NuGetPackage onnx = Package("Diffusion.Functional.Onnx");
        Assert.Equal(["Diffusion.Functional 1.0.0", $"Microsoft.ML.OnnxRuntime {Repository.PinnedVersion("Microsoft.ML.OnnxRuntime")}"], onnx.Dependencies);
        onnx.File("lib/net10.0/Diffusion.Functional.Onnx.xml");
        Assert.Equal(["mnist-classifier.onnx", "mnist-unet.onnx"], onnx.EmbeddedResources("lib/net10.0/Diffusion.Functional.Onnx.dll"));
    }

    [Fact]
    public void ToolPackage_IsADotnetToolWhoseCommandIsDiffusion()
    {
        NuGetPackage tool = Package(Repository.ToolPackageId);
        var packageType = tool.Element("packageTypes")?.Elements().Single();
        Assert.Equal("DotnetTool", packageType?.Attribute("name")?.Value);
        Assert.Empty(tool.Dependencies); // a tool carries its dependencies inside
        var settings = System.Xml.Linq.XDocument.Load(new MemoryStream(tool.File("tools/net10.0/any/DotnetToolSettings.xml")));
        var command = settings.Descendants("Command").Single();
        Assert.Equal("diffusion", command.Attribute("Name")?.Value);
        Assert.Equal("diffusion.dll", command.Attribute("EntryPoint")?.Value);
        // The sample and the font travel inside the assemblies, not as files beside them.
        Assert.Contains("tools/net10.0/any/Diffusion.Functional.Data.dll", tool.Files);
        Assert.Contains("tools/net10.0/any/Diffusion.Functional.Plots.dll", tool.Files);
        Assert.DoesNotContain(tool.Files, f => f.EndsWith(".gz", StringComparison.Ordinal) || f.EndsWith(".ttf", StringComparison.Ordinal));
    }

    [Fact]
    public void SymbolPackages_HoldThePortablePdbOfEachAssembly()
    {
        foreach (var (id, pdb) in new[]
                 {
                     ("Diffusion.Functional", "lib/net10.0/Diffusion.Functional.pdb"),
                     ("Diffusion.Functional.Data", "lib/net10.0/Diffusion.Functional.Data.pdb"),
                     ("Diffusion.Functional.Plots", "lib/net10.0/Diffusion.Functional.Plots.pdb"),
                     ("Diffusion.Functional.Onnx", "lib/net10.0/Diffusion.Functional.Onnx.pdb"),
                     (Repository.ToolPackageId, "tools/net10.0/any/diffusion.pdb"),
                 })
        {
            byte[] bytes = SymbolPackage(id).File(pdb);
            Assert.True(bytes.AsSpan(0, 4).SequenceEqual("BSJB"u8), $"{pdb} in the symbol package of {id} is not a portable PDB.");
        }
    }

    private static string GitHead()
    {
        ProcessResult git = ProcessRunner.Run("git", ["rev-parse", "HEAD"], Repository.Root,
            Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value),
            TimeSpan.FromMinutes(1));
        Assert.True(git.ExitCode == 0, $"The packages record the commit they were built from, so the tests need git:\n{git.Describe()}");
        return git.Output.Trim();
    }
}
