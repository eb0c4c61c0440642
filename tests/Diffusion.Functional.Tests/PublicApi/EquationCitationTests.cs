using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.PublicApi;

/// <summary>
/// The project's rule for documentation: every public function of the mathematics says in its summary what it
/// computes and where that comes from: an equation, algorithm or section of a paper, or the page of docs/ that derives
/// it. Read from the XML documentation that ships in the package, so a user's editor shows the same citation.
/// </summary>
public partial class EquationCitationTests
{
    /// <summary>The namespaces whose functions compute mathematics (Images and Numerics hold containers and helpers).</summary>
    private static readonly string[] MathNamespaces =
        ["Schedules", "Processes", "Parameterisation", "Sampling", "Likelihood", "Denoisers", "Batches", "Noise", "Training"];

    // "DDPM eq. 4", "eqs. 6–7", "Algorithm 2", "§4", "Nichol & Dhariwal 2021", "docs/noise.md".
    [GeneratedRegex(@"\beqs?\.\s*\d|\bAlgorithm\s+\d|§\s*\d|\b[A-Z][a-z]+( et al\.| & [A-Z][a-z]+)? (19|20)\d\d\b|docs/[a-z-]+\.md")]
    private static partial Regex Citation();

    [Fact]
    public void EveryPublicMathFunction_CitesWhereItsFormulaComesFrom()
    {
        Assembly core = typeof(NoiseSchedule).Assembly;
        string xmlPath = Path.ChangeExtension(core.Location, ".xml");
        Dictionary<string, string> summaries = XDocument.Load(xmlPath).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => string.Concat(m.Element("summary")?.DescendantNodes().OfType<XText>().Select(t => t.Value) ?? []));

        string[] uncited = core.GetExportedTypes()
            .Where(t => MathNamespaces.Any(ns => t.Namespace == $"Diffusion.Functional.{ns}"))
            .Where(t => !typeof(Delegate).IsAssignableFrom(t)) // a delegate's Invoke is the type itself, documented there
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName && !IsRecordBoilerplate(m))
            .Select(DocumentationId)
            .Where(id => !summaries.TryGetValue(id, out string? summary) || !Citation().IsMatch(summary))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(uncited.Length == 0,
            $"{uncited.Length} public functions cite no equation, algorithm, paper or docs page in their summary:\n  {string.Join("\n  ", uncited)}");
    }

    [Theory]
    [InlineData("x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4)", true)]
    [InlineData("q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7)", true)]
    [InlineData("one step of DDPM Algorithm 2", true)]
    [InlineData("respacing (Nichol & Dhariwal 2021, §4)", true)]
    [InlineData("v-prediction (Salimans & Ho 2022)", true)]
    [InlineData("zero terminal SNR (Lin et al. 2024, Algorithm 1)", true)]
    [InlineData("the construction in docs/noise.md", true)]
    [InlineData("The forward sample for given noise.", false)]
    [InlineData("t in 1..2021 equations", false)]
    public void Citation_RecognisesTheFormsTheProjectUses(string summary, bool cites) =>
        Assert.Equal(cites, Citation().IsMatch(summary));

    private static bool IsRecordBoilerplate(MethodInfo m) =>
        m.Name is "Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "PrintMembers" || m.Name.StartsWith('<');

    /// <summary>The ID the C# compiler gives a method in the XML documentation file ("M:Namespace.Type.Name(Param,…)").</summary>
    private static string DocumentationId(MethodInfo method)
    {
        string type = method.DeclaringType!.FullName!.Replace('+', '.');
        string generic = method.IsGenericMethodDefinition ? $"``{method.GetGenericArguments().Length}" : "";
        ParameterInfo[] parameters = method.GetParameters();
        string arguments = parameters.Length == 0 ? "" : $"({string.Join(",", parameters.Select(p => TypeId(p.ParameterType)))})";
        return $"M:{type}.{method.Name}{generic}{arguments}";
    }

    private static string TypeId(Type type)
    {
        if (type.IsByRef) return TypeId(type.GetElementType()!) + "@";
        if (type.IsArray) return TypeId(type.GetElementType()!) + "[]";
        if (type.IsGenericMethodParameter) return $"``{type.GenericParameterPosition}";
        if (type.IsGenericTypeParameter) return $"`{type.GenericParameterPosition}";
        string name = (type.IsGenericType ? type.GetGenericTypeDefinition().FullName! : type.FullName!).Replace('+', '.');
        if (!type.IsGenericType) return name;
        return $"{name[..name.IndexOf('`')]}{{{string.Join(",", type.GetGenericArguments().Select(TypeId))}}}";
    }
}
