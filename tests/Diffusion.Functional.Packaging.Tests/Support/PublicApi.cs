using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>The public types of assemblies and the names of their public members, read from the metadata alone.</summary>
public sealed class PublicApi
{
    private readonly Dictionary<string, HashSet<string>> _membersByType = new(StringComparer.Ordinal);

    /// <summary>Reads the public surface of each assembly image.</summary>
    public static PublicApi Of(IEnumerable<byte[]> assemblies)
    {
        var api = new PublicApi();
        foreach (byte[] assembly in assemblies) api.Add(assembly);
        return api;
    }

    /// <summary>The simple names of the public types.</summary>
    public IReadOnlyCollection<string> Types => _membersByType.Keys;

    /// <summary>Whether <paramref name="type"/> is a public type.</summary>
    public bool HasType(string type) => _membersByType.ContainsKey(type);

    /// <summary>Whether the public type <paramref name="type"/> has a public member (method, property, field, enum value) <paramref name="member"/>.</summary>
    public bool HasMember(string type, string member) => _membersByType.TryGetValue(type, out var members) && members.Contains(member);

    /// <summary>Whether any public type has a public member <paramref name="member"/>.</summary>
    public bool AnyTypeHasMember(string member) => _membersByType.Values.Any(members => members.Contains(member));

    private void Add(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        MetadataReader reader = pe.GetMetadataReader();
        foreach (TypeDefinitionHandle handle in reader.TypeDefinitions)
        {
            TypeDefinition type = reader.GetTypeDefinition(handle);
            if ((type.Attributes & TypeAttributes.VisibilityMask) != TypeAttributes.Public) continue;
            string name = reader.GetString(type.Name);
            int generic = name.IndexOf('`');
            if (generic >= 0) name = name[..generic];
            var members = new HashSet<string>(StringComparer.Ordinal);
            foreach (MethodDefinitionHandle m in type.GetMethods())
            {
                MethodDefinition method = reader.GetMethodDefinition(m);
                if ((method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public) continue;
                string methodName = reader.GetString(method.Name);
                // get_X is the property X; "this[…]" is the indexer Item.
                members.Add(methodName.StartsWith("get_", StringComparison.Ordinal) ? methodName[4..] : methodName);
            }
            foreach (FieldDefinitionHandle f in type.GetFields())
            {
                FieldDefinition field = reader.GetFieldDefinition(f);
                if ((field.Attributes & FieldAttributes.FieldAccessMask) == FieldAttributes.Public) members.Add(reader.GetString(field.Name));
            }
            if (_membersByType.TryGetValue(name, out var existing)) existing.UnionWith(members);
            else _membersByType[name] = members;
        }
    }
}
