using System.Reflection;
using System.Text;

namespace Diffusion.Functional.Tests.PublicApi;

/// <summary>
/// The public surface of an assembly as sorted text, one line per type and per member, with full signatures: what a
/// consumer of the package can call. Compiler-generated members (names starting with '&lt;') are left out.
/// </summary>
public static class PublicSurface
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Of(Assembly assembly)
    {
        var text = new StringBuilder($"assembly {assembly.GetName().Name}\n");
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(Describe(type)).Append('\n');
            var members = type.GetMembers(Declared)
                .Where(m => !m.Name.StartsWith('<') && !(m is MethodInfo { IsSpecialName: true }) && !(m is Type))
                .Select(m => "  " + Describe(type, m))
                .Order(StringComparer.Ordinal);
            foreach (string member in members) text.Append(member).Append('\n');
        }
        return text.ToString();
    }

    private static string Describe(Type type)
    {
        string kind = type.IsEnum ? "enum"
            : type.IsValueType ? (IsRecord(type) ? "record struct" : "struct")
            : type.IsInterface ? "interface"
            : type.IsAbstract && type.IsSealed ? "static class"
            : IsRecord(type) ? (type.IsSealed ? "sealed record" : type.IsAbstract ? "abstract record" : "record")
            : type.IsSealed ? "sealed class" : type.IsAbstract ? "abstract class" : "class";
        string name = Name(type).Replace('+', '.');
        Type? baseType = type.BaseType;
        bool plainBase = baseType is null || baseType == typeof(object) || baseType == typeof(ValueType) || baseType == typeof(Enum);
        return $"{kind} {type.Namespace}.{name}{(plainBase ? "" : " : " + Name(baseType!))}";
    }

    private static string Describe(Type owner, MemberInfo member) => member switch
    {
        ConstructorInfo c => $"{(c.IsStatic ? "static " : "")}{Name(owner)}({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}{GenericArguments(m)}({Parameters(m)})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : "")}{Name(p.PropertyType)} {(p.GetIndexParameters().Length > 0 ? $"this[{string.Join(", ", p.GetIndexParameters().Select(Parameter))}]" : p.Name)} {{ {Accessors(p)}}}",
        FieldInfo f when owner.IsEnum => f.IsSpecialName ? $"value {Name(f.FieldType)}" : $"{f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Accessors(PropertyInfo p)
    {
        var accessors = new StringBuilder();
        if (p.GetMethod is { IsPublic: true }) accessors.Append("get; ");
        if (p.SetMethod is { IsPublic: true } set)
            accessors.Append(set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? "init; " : "set; ");
        return accessors.ToString();
    }

    private static string GenericArguments(MethodInfo m) =>
        m.IsGenericMethodDefinition ? $"<{string.Join(", ", m.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(MethodBase method)
    {
        string parameters = string.Join(", ", method.GetParameters().Select(Parameter));
        bool extension = method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), inherit: false);
        return extension ? "this " + parameters : parameters;
    }

    private static string Parameter(ParameterInfo p)
    {
        string modifier = p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "";
        string defaultValue = p.HasDefaultValue ? $" = {p.DefaultValue switch { null => "null", string s => $"\"{s}\"", bool b => b ? "true" : "false", IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture), var v => v.ToString() }}" : "";
        return $"{modifier}{Name(p.ParameterType)} {p.Name}{defaultValue}";
    }

    private static string Name(Type type)
    {
        if (type.IsByRef) return Name(type.GetElementType()!);
        if (type.IsArray) return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Name(underlying) + "?";
        if (type.IsGenericParameter) return type.Name;
        string name = type.IsNested ? Name(type.DeclaringType!) + "+" + type.Name : type.Name;
        if (!type.IsGenericType) return name;
        int tick = name.IndexOf('`');
        return $"{(tick >= 0 ? name[..tick] : name)}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }

    private static bool IsRecord(Type type) =>
        type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null
        || type.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null
        || (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);
}
