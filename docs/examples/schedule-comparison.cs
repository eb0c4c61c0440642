// Four noise schedules side by side, exported to CSV for pandas, R or a spreadsheet: how fast each one destroys the
// signal, and where the posterior variance β̃_t ends up.
//
//   dotnet run docs/examples/schedule-comparison.cs -- [schedules.csv]
//
// Outside this repository, replace the #:project line by
//   #:package Diffusion.Functional@1.0.0
#:project ../../src/Diffusion.Functional/Diffusion.Functional.csproj

using System.Globalization;
using System.Text;
using Diffusion.Functional.Schedules;

// ## The schedules, with T = 1000 as in DDPM
// Each factory validates its arguments and precomputes every quantity once, in double.
const int T = 1000;
(string Name, NoiseSchedule Schedule)[] schedules =
[
    ("linear", NoiseSchedule.Linear(T, 1e-4, 0.02)),                // DDPM (Ho et al. 2020, §4)
    ("cosine", NoiseSchedule.Cosine(T)),                            // improved DDPM (Nichol & Dhariwal 2021, eq. 17), s = 0.008
    ("scaled-linear", NoiseSchedule.ScaledLinear(T, 0.00085, 0.012)), // Stable Diffusion: √β linear
    ("sigmoid", NoiseSchedule.Sigmoid(T, 1e-4, 0.02)),              // diffusers' sigmoid (GeoDiff)
];

// ## Export: one row per (schedule, t), "long" format
// In pandas: df = pd.read_csv(path); df.pivot(index="t", columns="schedule", values="alpha_bar").plot(logy=True)
// Numbers are written with 17 significant digits, so reading them back gives the same doubles.
string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "schedule-comparison.csv");
var csv = new StringBuilder("schedule,t,beta,alpha_bar,sqrt_alpha_bar,sqrt_one_minus_alpha_bar,posterior_variance,log_snr\n");
foreach (var (name, schedule) in schedules)
{
    foreach (ScheduleRow row in schedule.Rows())
    {
        double[] values = [row.Beta, row.AlphaBar, row.SqrtAlphaBar, row.SqrtOneMinusAlphaBar, row.PosteriorVariance, row.LogSnr];
        csv.Append(name).Append(',').Append(row.Step);
        foreach (double value in values) csv.Append(',').Append(value.ToString("G17", CultureInfo.InvariantCulture));
        csv.Append('\n');
    }
}
File.WriteAllText(path, csv.ToString());
Console.WriteLine($"Wrote {schedules.Length} schedules × {T} steps to {path}");

// ## What the columns say
// ᾱ_t is the fraction of the signal's variance left in x_t (DDPM eq. 4). log SNR(t) = log(ᾱ_t / (1 − ᾱ_t)) crosses
// 0 where noise and signal have equal variance; the cosine schedule gets there much later than the linear one.
Console.WriteLine();
Console.WriteLine($"{"schedule",-14} {"ᾱ_250",10} {"ᾱ_500",10} {"ᾱ_750",10} {"ᾱ_1000",10}  {"SNR < 1 from t =",16}");
foreach (var (name, schedule) in schedules)
{
    int crossover = Enumerable.Range(1, T).First(t => schedule.LogSnr(t) < 0);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-14} {schedule.AlphaBar(250),10:G4} {schedule.AlphaBar(500),10:G4} {schedule.AlphaBar(750),10:G4} {schedule.AlphaBar(T),10:G4}  {crossover,16}"));
}
