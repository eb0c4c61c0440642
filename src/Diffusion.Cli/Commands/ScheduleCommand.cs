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
        var steps = new Option<int>("--steps") { Description = $"T, the number of diffusion steps, 1..{NoiseSchedule.MaxSteps}.", DefaultValueFactory = _ => 200 }.AsWholeNumber($"1..{NoiseSchedule.MaxSteps}");
        var betaStart = new Option<double>("--beta-start") { Description = "β_1 for linear, scaled-linear and sigmoid, in (0, 1).", DefaultValueFactory = _ => 1e-4 }.AsRealNumber("(0, 1)");
        var betaEnd = new Option<double>("--beta-end") { Description = "β_T for linear, scaled-linear and sigmoid, in [β_1, 1).", DefaultValueFactory = _ => 0.02 }.AsRealNumber("[β_1, 1)");
        var offset = new Option<double>("--cosine-offset") { Description = "s of the cosine schedule, in [0, 1].", DefaultValueFactory = _ => 0.008 }.AsRealNumber("[0, 1]");
        var maxBeta = new Option<double>("--max-beta") { Description = "The clip on β of the cosine schedule, in (0, 1).", DefaultValueFactory = _ => 0.999 }.AsRealNumber("(0, 1)");
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
            // Streamed row by row: a schedule of a million steps never becomes one string.
            if (parsed.GetValue(format) == "csv") WriteCsv(schedule, console.Output);
            else WriteTable(schedule, console.Output);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The schedule as CSV: <see cref="CsvHeader"/>, then one row per t, numbers round-trip exact (G17, invariant culture).</summary>
    public static string ToCsv(NoiseSchedule schedule)
    {
        var csv = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        WriteCsv(schedule, csv);
        return csv.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/>'s text row by row, holding one row at a time.</summary>
    public static void WriteCsv(NoiseSchedule schedule, TextWriter output)
    {
        var line = new StringBuilder();
        output.Write(CsvHeader + "\n");
        foreach (ScheduleRow r in schedule.Rows())
        {
            line.Clear().Append(r.Step.ToString(CultureInfo.InvariantCulture));
            foreach (double value in Values(r)) line.Append(',').Append(value.ToString("G17", CultureInfo.InvariantCulture));
            output.Write(line.Append('\n'));
        }
    }

    /// <summary>The schedule as an aligned table with 6 significant digits, headed by its description.</summary>
    public static string ToTable(NoiseSchedule schedule)
    {
        var table = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        WriteTable(schedule, table);
        return table.ToString();
    }

    /// <summary>Writes <see cref="ToTable"/>'s text: one pass over the rows for the column widths, one to write them.</summary>
    public static void WriteTable(NoiseSchedule schedule, TextWriter output)
    {
        string[] header = ["t", "β", "α", "ᾱ", "√ᾱ", "√(1−ᾱ)", "β̃", "log β̃ (clipped)", "c_x0", "c_xt", "SNR", "log SNR"];
        static string[] Cells(ScheduleRow r) => new[] { r.Step.ToString(CultureInfo.InvariantCulture) }
            .Concat(Values(r).Select(v => v.ToString("G6", CultureInfo.InvariantCulture))).ToArray();
        int[] widths = header.Select(h => h.Length).ToArray();
        foreach (ScheduleRow r in schedule.Rows())
        {
            string[] cells = Cells(r);
            for (int i = 0; i < widths.Length; i++) widths[i] = Math.Max(widths[i], cells[i].Length);
        }
        output.Write($"# {schedule.Description}\n");
        output.Write(string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))) + "\n");
        foreach (ScheduleRow r in schedule.Rows())
            output.Write(string.Join("  ", Cells(r).Select((v, i) => v.PadLeft(widths[i]))) + "\n");
    }

    private static double[] Values(ScheduleRow r) =>
    [
        r.Beta, r.Alpha, r.AlphaBar, r.SqrtAlphaBar, r.SqrtOneMinusAlphaBar, r.PosteriorVariance,
        r.PosteriorLogVarianceClipped, r.PosteriorMeanCoefX0, r.PosteriorMeanCoefXt, r.Snr, r.LogSnr,
    ];
}
