using System.Text.RegularExpressions;
using Diffusion.Functional.Packaging.Tests.Support;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>
/// docs/api.md maps the public API of the packed library assemblies: every public type appears in it, and every
/// code name in it (and in the package readme) is a public type or member. A rename or a new public type fails here
/// until the map says so.
/// </summary>
[Collection(PackagingCollection.Name)]
public partial class ApiMapTests(PackagingWorkspace workspace)
{
    // Names in the documents that belong to other libraries: ScottPlot's figure type, torchvision and diffusers names.
    private static readonly HashSet<string> Foreign = ["Multiplot", "ToTensor", "scaled_linear", "sigmoid"];

    private PublicApi LibraryApi() => PublicApi.Of(Repository.PackableProjects
        .Where(p => p.PackageId != Repository.ToolPackageId)
        .Select(p => NuGetPackage.Read(Path.Combine(workspace.Feed, $"{p.PackageId}.{Repository.Version}.nupkg")).File($"lib/net10.0/{p.PackageId}.dll")));

    [Fact]
    public void ApiMap_NamesEveryPublicTypeOfTheLibraries()
    {
        string map = File.ReadAllText(Repository.PathOf("docs", "api.md"));
        var named = CodeSpans(map).Select(s => NamePath(s)).OfType<string>().SelectMany(n => n.Split('.')).ToHashSet(StringComparer.Ordinal);
        string[] missing = LibraryApi().Types.Where(t => !named.Contains(t)).Order(StringComparer.Ordinal).ToArray();
        Assert.True(missing.Length == 0, $"docs/api.md does not mention these public types: {string.Join(", ", missing)}.");
    }

    [Theory]
    [InlineData("docs/api.md")]
    [InlineData("docs/package-readme.md")]
    public void EveryCodeNameInTheDocument_IsAPublicTypeOrMember(string document)
    {
        PublicApi api = LibraryApi();
        var unknown = new List<string>();
        foreach (string span in CodeSpans(File.ReadAllText(Repository.PathOf(document.Split('/')))))
        {
            if (NamePath(span) is not { } path) continue;
            string[] parts = path.Split('.');
            bool known = parts switch
            {
                [var name] when Foreign.Contains(name) => true,
                [var name] when char.IsLower(name[0]) => true, // a variable: image[row, column]
                [var name] => api.HasType(name) || api.AnyTypeHasMember(name),
                [var owner, var member] when char.IsLower(owner[0]) => api.AnyTypeHasMember(member), // key.Child(i)
                [var owner, var member] => api.HasMember(owner, member),
                _ => false,
            };
            if (!known) unknown.Add(span);
        }
        Assert.True(unknown.Count == 0, $"{document} names what the packages do not have publicly: {string.Join(" · ", unknown)}.");
    }

    // Inline code spans outside fenced code blocks.
    private static IEnumerable<string> CodeSpans(string markdown) =>
        InlineCode().Matches(FencedBlock().Replace(markdown, "")).Select(m => m.Groups["code"].Value);

    // The dotted name a span starts with ("ForwardProcess.Sample" of "ForwardProcess.Sample(schedule, …)"), or null for
    // spans that are not C# names: namespaces and package ids, commands, paths, formulas.
    private static string? NamePath(string span)
    {
        string head = span.Split('(', '[')[0].Trim();
        if (head.Length == 0 || head.StartsWith("Diffusion.", StringComparison.Ordinal) || head == "Diffusion") return null;
        return DottedName().IsMatch(head) ? head : null;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex DottedName();

    [GeneratedRegex(@"`(?<code>[^`\n]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
