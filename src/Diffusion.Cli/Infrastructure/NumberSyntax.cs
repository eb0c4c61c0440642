using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Diffusion.Cli.Infrastructure;

/// <summary>
/// The one way the CLI reads numbers: ASCII digits, an optional sign, a decimal point and an exponent, in no culture's
/// style. Group separators and decimal commas are refused (once <c>--eta 0,1</c> was read as 1: the invariant culture
/// takes the comma for a thousands separator), and so are NaN, ∞ and values past the type's range; the message names
/// the option, what a number must look like, and the range the option allows.
/// </summary>
internal static partial class NumberSyntax
{
    [GeneratedRegex(@"^[+-]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex WholeNumber();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RealNumber();

    /// <summary>Reads the option's value as a whole number of type int; <paramref name="range"/> says what it allows, e.g. "1..1000".</summary>
    public static Option<int> AsWholeNumber(this Option<int> option, string range)
    {
        Func<ArgumentResult, int>? fallback = option.DefaultValueFactory;
        option.CustomParser = result =>
        {
            if (Token(result) is not { } text) return fallback is null ? 0 : fallback(result);
            if (!WholeNumber().IsMatch(text))
            {
                result.AddError($"{option.Name} {Quote(text)} is not a whole number: write plain digits (no group separators, no decimal point), e.g. 250; allowed: {range}.");
                return 0;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                result.AddError($"{option.Name} {text} is outside {range}.");
                return 0;
            }
            return value;
        };
        return option;
    }

    /// <summary>Reads the option's value as an unsigned 64-bit whole number (a seed).</summary>
    public static Option<ulong> AsUnsignedNumber(this Option<ulong> option)
    {
        Func<ArgumentResult, ulong>? fallback = option.DefaultValueFactory;
        option.CustomParser = result =>
        {
            if (Token(result) is not { } text) return fallback is null ? 0 : fallback(result);
            if (!WholeNumber().IsMatch(text)
                || !ulong.TryParse(text.StartsWith('+') ? text[1..] : text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
            {
                result.AddError($"{option.Name} {Quote(text)} is not a whole number in 0..{ulong.MaxValue}: write plain digits, e.g. 20200619.");
                return 0;
            }
            return value;
        };
        return option;
    }

    /// <summary>Reads the option's value as a finite real number; <paramref name="range"/> says what it allows, e.g. "[0, 1]".</summary>
    public static Option<double> AsRealNumber(this Option<double> option, string range)
    {
        Func<ArgumentResult, double>? fallback = option.DefaultValueFactory;
        option.CustomParser = result =>
        {
            if (Token(result) is not { } text) return fallback is null ? 0 : fallback(result);
            if (!RealNumber().IsMatch(text))
            {
                result.AddError($"{option.Name} {Quote(text)} is not a number: write it with a decimal point and no group separators, e.g. 0.5, 2 or 1e-4; allowed: {range}.");
                return 0;
            }
            double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!double.IsFinite(value))
            {
                result.AddError($"{option.Name} {text} is too large for a number (beyond ±1.8e308); allowed: {range}.");
                return 0;
            }
            return value;
        };
        return option;
    }

    private static string? Token(ArgumentResult result) => result.Tokens.Count == 0 ? null : result.Tokens[^1].Value;

    // Shows what was typed, visibly even when it is empty or only spaces; long values are cut (a 10,000-digit value
    // does not fill the screen).
    private static string Quote(string text) => text.Length == 0 || text.Trim().Length != text.Length || text.Length > 40
        ? $"'{(text.Length > 40 ? text[..40] + "…" : text)}'"
        : text;
}
