using System.CommandLine;
using System.Globalization;
using System.Text;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary><c>diffusion schedule</c>: prints every precomputed quantity of a noise schedule, one row per t = 1..T.</summary>
internal static class ScheduleCommand
{
    /// <summary>The CSV header, exactly as documented in the README.</summary>
    public const string CsvHeader =
        "t,beta,alpha,alpha_bar,sqrt_alpha_bar,sqrt_one_minus_alpha_bar,posterior_variance,posterior_log_variance_clipped,posterior_mean_coef_x0,posterior_mean_coef_xt,snr,log_snr";

    private static readonly string[] Kinds = ["linear", "cosine", "scaled-linear", "sigmoid"];

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var kind = new Option<string>("--kind")
        {
            Description = "The schedule: linear (DDPM), cosine (improved DDPM), scaled-linear (Stable Diffusion) or sigmoid (diffusers).",
            DefaultValueFactory = _ => "linear",
        }.AcceptOnlyFromAmong(Kinds);
        var steps = new Option<int>("--steps") { Description = "T, the number of diffusion steps (≥ 1).", DefaultValueFactory = _ => 200 };
        var betaStart = new Option<double>("--beta-start") { Description = "β_1 for linear, scaled-linear and sigmoid, in (0, 1).", DefaultValueFactory = _ => 1e-4 };
        var betaEnd = new Option<double>("--beta-end") { Description = "β_T for linear, scaled-linear and sigmoid, in [β_1, 1).", DefaultValueFactory = _ => 0.02 };
        var offset = new Option<double>("--cosine-offset") { Description = "s of the cosine schedule, in [0, 1].", DefaultValueFactory = _ => 0.008 };
        var maxBeta = new Option<double>("--max-beta") { Description = "The clip on β of the cosine schedule, in (0, 1).", DefaultValueFactory = _ => 0.999 };
        var format = new Option<string>("--format")
        {
            Description = "csv: every column at 17 significant digits, for other programs; table: aligned, for reading.",
            DefaultValueFactory = _ => "table",
        }.AcceptOnlyFromAmong("csv", "table");

        var command = new Command("schedule",
            "Print a noise schedule: β, α, ᾱ, √ᾱ, √(1−ᾱ), the posterior variance β̃ and its clipped log, the posterior-mean weights, SNR and log-SNR for t = 1..T. Defaults: the seed notebook's linear schedule, T = 200, β 1e-4 → 0.02.")
        {
            kind, steps, betaStart, betaEnd, offset, maxBeta, format,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            bool Given(Option option) => parsed.GetResult(option) is { Implicit: false };
            string kindName = parsed.GetValue(kind)!;
            if (kindName == "cosine" && (Given(betaStart) || Given(betaEnd)))
                throw new UsageException("--beta-start and --beta-end do not apply to the cosine schedule; use --cosine-offset and --max-beta.");
            if (kindName != "cosine" && (Given(offset) || Given(maxBeta)))
                throw new UsageException($"--cosine-offset and --max-beta apply only to --kind cosine, not to {kindName}.");

            int t = parsed.GetValue(steps);
            NoiseSchedule schedule = kindName switch
            {
                "linear" => NoiseSchedule.Linear(t, parsed.GetValue(betaStart), parsed.GetValue(betaEnd)),
                "scaled-linear" => NoiseSchedule.ScaledLinear(t, parsed.GetValue(betaStart), parsed.GetValue(betaEnd)),
                "sigmoid" => NoiseSchedule.Sigmoid(t, parsed.GetValue(betaStart), parsed.GetValue(betaEnd)),
                "cosine" => NoiseSchedule.Cosine(t, parsed.GetValue(offset), parsed.GetValue(maxBeta)),
                _ => throw new UsageException($"--kind {kindName} is not one of {string.Join(", ", Kinds)}."),
            };
            console.Output.Write(parsed.GetValue(format) == "csv" ? ToCsv(schedule) : ToTable(schedule));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The schedule as CSV: <see cref="CsvHeader"/>, then one row per t, numbers round-trip exact (G17, invariant culture).</summary>
    public static string ToCsv(NoiseSchedule schedule)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (ScheduleRow r in schedule.Rows())
        {
            csv.Append(r.Step.ToString(CultureInfo.InvariantCulture));
            foreach (double value in Values(r)) csv.Append(',').Append(value.ToString("G17", CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>The schedule as an aligned table with 6 significant digits, headed by its description.</summary>
    public static string ToTable(NoiseSchedule schedule)
    {
        string[] header = ["t", "β", "α", "ᾱ", "√ᾱ", "√(1−ᾱ)", "β̃", "log β̃ (clipped)", "c_x0", "c_xt", "SNR", "log SNR"];
        var rows = schedule.Rows()
            .Select(r => new[] { r.Step.ToString(CultureInfo.InvariantCulture) }
                .Concat(Values(r).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))).ToArray())
            .ToList();
        int[] widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var table = new StringBuilder($"# {schedule.Description}\n");
        table.AppendJoin("  ", header.Select((h, i) => h.PadLeft(widths[i]))).Append('\n');
        foreach (string[] row in rows) table.AppendJoin("  ", row.Select((v, i) => v.PadLeft(widths[i]))).Append('\n');
        return table.ToString();
    }

    private static double[] Values(ScheduleRow r) =>
    [
        r.Beta, r.Alpha, r.AlphaBar, r.SqrtAlphaBar, r.SqrtOneMinusAlphaBar, r.PosteriorVariance,
        r.PosteriorLogVarianceClipped, r.PosteriorMeanCoefX0, r.PosteriorMeanCoefXt, r.Snr, r.LogSnr,
    ];
}
