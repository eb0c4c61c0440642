using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// A generic method is never precompiled, so until tiered compilation replaces it (seconds, in a process on one core)
/// it runs as tier-0 code, with a call per generic-math operation: a Heun run of one 28×28 image took 13–20× its warm time
/// that way (docs/performance.md, "The samplers' first runs"). So every generic method of the core with a loop is
/// fully optimised at its first call, or runs once per call of the API and is named here with the reason.
/// </summary>
public class FirstRunOptimisationTests
{
    /// <summary>Generic methods with a loop that run once per call of the API (or per image of a construction), not per step.</summary>
    private static readonly Dictionary<string, string> OncePerCall = new()
    {
        ["Diffusion.Functional.Sampling.SigmaChain`1..ctor"] = "once per run",
        ["Diffusion.Functional.Sampling.ReverseSampler.StartNoise"] = "once per run",
        ["Diffusion.Functional.Images.ImageBatch`1.Create"] = "builds a batch",
        ["Diffusion.Functional.Images.ImageBatch`1.FromBytes"] = "builds a batch",
        ["Diffusion.Functional.Images.ImageBatch`1.FromImages"] = "builds a batch",
        ["Diffusion.Functional.Images.ImageBatch`1.Concat"] = "builds a batch",
        ["Diffusion.Functional.Images.ImageBatch`1.RequireFinite"] = "checks a batch being built",
        ["Diffusion.Functional.Images.ImageBatch`1.ConvertInto"] = "converts a whole batch, once per run",
        ["Diffusion.Functional.Images.ImageBatch`1.ToDoubleArray"] = "converts a whole batch",
        ["Diffusion.Functional.Images.ImageBatch`1.ToFloatArray"] = "converts a whole batch",
        ["Diffusion.Functional.Images.ImageBatch`1+<Images>.MoveNext"] = "enumerates a batch's images",
        ["Diffusion.Functional.Denoisers.DiagonalGaussianData.Sample"] = "draws a data set",
        ["Diffusion.Functional.Denoisers.DiagonalGaussianData+ExactDenoiser`1.Build"] = "once per timestep, then cached",
        ["Diffusion.Functional.Sampling.ConditionalBatchDenoiser.FromClasses"] = "builds a denoiser",
        ["Diffusion.Functional.Likelihood.VariationalBound.EvaluateMany"] = "one likelihood evaluation, no sampler step",
        ["Diffusion.Functional.Likelihood.VariationalBound.<EvaluateMany>g__Widen"] = "one likelihood evaluation, no sampler step",
    };

    [Fact]
    public void EveryGenericLoop_IsFullyOptimisedAtItsFirstCall_OrRunsOncePerCall()
    {
        var unmarked = new List<string>();
        var seen = new HashSet<string>();
        foreach (var (name, method) in GenericMethodsWithALoop())
        {
            seen.Add(name);
            bool optimised = (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0;
            // A sampler's Run loops over the steps; each step's per-value work is in the helpers checked here.
            bool samplerRun = method.Name == "Run" && typeof(ISampler).IsAssignableFrom(method.DeclaringType);
            if (!optimised && !samplerRun && !OncePerCall.ContainsKey(name)) unmarked.Add(name);
        }

        Assert.True(unmarked.Count == 0,
            "Generic methods with a loop that run as tier-0 code until tiering replaces them: mark them " +
            "[MethodImpl(MethodImplOptions.AggressiveOptimization)], or list them in OncePerCall with the reason:\n" + string.Join("\n", unmarked));
        // The list names methods that exist: a renamed one would otherwise leave a stale exemption behind.
        Assert.DoesNotContain(OncePerCall.Keys, name => !seen.Contains(name));
        // The scan finds what it must: the chain's per-value combination, which loops and is marked.
        Assert.Contains("Diffusion.Functional.Sampling.SigmaChain`1.Combine", seen);
    }

    private static IEnumerable<(string Name, MethodBase Method)> GenericMethodsWithALoop()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (Type type in typeof(NoiseKey).Assembly.GetTypes())
        {
            IEnumerable<MethodBase> methods = type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All));
            foreach (MethodBase method in methods)
            {
                if (!method.IsGenericMethodDefinition && !type.ContainsGenericParameters) continue;
                byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is not null && HasBackwardBranch(il)) yield return (WithoutCompilerNumbers($"{type.FullName}.{method.Name}"), method);
            }
        }
    }

    /// <summary>The name without the numbers the compiler gives iterators and local functions (d__36, |5_1), which move with every edit of the file.</summary>
    private static string WithoutCompilerNumbers(string name) => Regex.Replace(name, @"(d__|\|)\d+(_\d+)?", "");

    private static readonly Dictionary<int, OpCode> OneByte = OpCodesOfSize(1), TwoByte = OpCodesOfSize(2);

    private static Dictionary<int, OpCode> OpCodesOfSize(int size) =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (OpCode)field.GetValue(null)!)
            .Where(op => op.Size == size)
            .ToDictionary(op => op.Value & 0xFF);

    /// <summary>Whether the IL branches backwards anywhere: a loop (C#'s loops all compile to one).</summary>
    private static bool HasBackwardBranch(byte[] il)
    {
        for (int i = 0; i < il.Length;)
        {
            int start = i;
            OpCode op = il[i] == 0xFE ? TwoByte[il[++i]] : OneByte[il[i]];
            i++;
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    i += 1;
                    if (i + (sbyte)il[i - 1] <= start) return true;
                    break;
                case OperandType.InlineBrTarget:
                    i += 4;
                    if (i + BitConverter.ToInt32(il, i - 4) <= start) return true;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
        return false;
    }
}
