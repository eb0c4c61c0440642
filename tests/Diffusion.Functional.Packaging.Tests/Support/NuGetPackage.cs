using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>A .nupkg or .snupkg read as what it is, a zip with a .nuspec manifest.</summary>
public sealed class NuGetPackage
{
    private readonly Dictionary<string, byte[]> _entries;

    /// <summary>The path of the package file.</summary>
    public string Path { get; }

    /// <summary>The manifest's metadata element.</summary>
    public XElement Metadata { get; }

    private NuGetPackage(string path, Dictionary<string, byte[]> entries, XElement metadata)
    {
        Path = path;
        _entries = entries;
        Metadata = metadata;
    }

    /// <summary>Reads the package at <paramref name="path"/>.</summary>
    public static NuGetPackage Read(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            using Stream stream = entry.Open();
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            entries[entry.FullName] = bytes.ToArray();
        }
        string nuspec = entries.Keys.SingleOrDefault(name => !name.Contains('/') && name.EndsWith(".nuspec", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{path} has no .nuspec at its root.");
        XElement metadata = XDocument.Load(new MemoryStream(entries[nuspec])).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return new NuGetPackage(path, entries, metadata);
    }

    /// <summary>The file names in the package, with their folders ("lib/net10.0/X.dll").</summary>
    public IReadOnlyCollection<string> Files => _entries.Keys;

    /// <summary>The bytes of one file; fails if the package does not hold it.</summary>
    public byte[] File(string name) =>
        _entries.TryGetValue(name, out byte[]? bytes) ? bytes : throw new Xunit.Sdk.XunitException($"{Path} holds no {name}; it holds {string.Join(", ", Files.Order())}.");

    /// <summary>The value of a metadata element such as "id" or "version", or null.</summary>
    public string? Value(string element) => Element(element)?.Value;

    /// <summary>A metadata element, or null.</summary>
    public XElement? Element(string element) => Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == element);

    /// <summary>The dependencies declared for any target framework, as "id version".</summary>
    public IReadOnlyList<string> Dependencies =>
        Metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => $"{e.Attribute("id")!.Value} {e.Attribute("version")!.Value}").Order().ToList();

    /// <summary>The names of the resources embedded in the assembly <paramref name="name"/> of this package.</summary>
    public IReadOnlyList<string> EmbeddedResources(string name)
    {
        using var pe = new PEReader(new MemoryStream(File(name)));
        MetadataReader reader = pe.GetMetadataReader();
        return reader.ManifestResources.Select(handle => reader.GetString(reader.GetManifestResource(handle).Name)).Order().ToList();
    }
}
