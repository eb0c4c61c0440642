using System.Globalization;
using System.Text.Json;
using Diffusion.Functional.Images;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots.Explore;

/// <summary>
/// Writes the explorer's data as the JSON the page reads. Images are 8-bit, row-major, base64: byte b stands for
/// x = −1 + 2b/255 (x clipped to [−1, 1], so a digit x_0 is its own bytes exactly); the noise ε uses [−3, 3] instead.
/// Numbers the page prints are written here as text, with 6 significant digits, so the page does no arithmetic.
/// </summary>
internal static class ExploreJson
{
    /// <summary>The range [−r, r] that the noise images ε are quantised over.</summary>
    public const double NoiseRange = 3.0;

    /// <summary>The JSON of <paramref name="model"/> (UTF-8; '&lt;', '&gt;' and '&amp;' escaped, so it can sit in a script element).</summary>
    public static byte[] Write(ExploreModel model)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seed", model.Seed);
            json.WriteNumber("width", model.Digits[0].X0.Width);
            json.WriteNumber("height", model.Digits[0].X0.Height);
            json.WriteNumber("noiseRange", NoiseRange);
            json.WriteNumber("maxChainFrames", ExploreData.MaxChainFrames);
            Array(json, "digits", model.Digits, d => json.WriteStringValue(d.Name));
            Array(json, "x0", model.Digits, d => Picture(json, d.X0));
            Array(json, "views", model.Views, view => View(json, view));
            Array(json, "curves", model.Curves, set => Curves(json, set));
            Generation(json, model.Generation);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A number as the page prints it: 6 significant digits, "e-5" for an exponent; "∞" for +∞.</summary>
    public static string Text(double value)
    {
        if (double.IsPositiveInfinity(value)) return "∞";
        string text = value.ToString("G6", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        if (e < 0) return text;
        int exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{text[..e]}e{exponent}");
    }

    /// <summary>The page's bytes of an image shown over [−1, 1] (clipped), row-major.</summary>
    public static byte[] Bytes(Image image)
    {
        var bytes = new byte[image.PixelCount];
        ReadOnlySpan<double> pixels = image.Pixels;
        for (int i = 0; i < bytes.Length; i++) bytes[i] = PixelRange.SignedUnit.ToByte(pixels[i]);
        return bytes;
    }

    private static byte[] NoiseBytes(Image noise)
    {
        var bytes = new byte[noise.PixelCount];
        ReadOnlySpan<double> pixels = noise.Pixels;
        for (int i = 0; i < bytes.Length; i++) bytes[i] = PixelRange.SignedUnit.ToByte(pixels[i] / NoiseRange);
        return bytes;
    }

    private static void Picture(Utf8JsonWriter json, Image image) => json.WriteBase64StringValue(Bytes(image));

    private static void View(Utf8JsonWriter json, ScheduleView view)
    {
        NoiseSchedule s = view.Schedule;
        json.WriteStartObject();
        json.WriteString("name", view.Name);
        json.WriteString("description", s.Description);
        json.WriteNumber("steps", s.Steps);
        Array(json, "t", view.Steps, t => json.WriteNumberValue(t));
        Array(json, "alphaBar", view.Steps, t => json.WriteStringValue(Text(s.AlphaBar(t))));
        Array(json, "sqrtAlphaBar", view.Steps, t => json.WriteStringValue(Text(s.SqrtAlphaBar(t))));
        Array(json, "sqrtOneMinusAlphaBar", view.Steps, t => json.WriteStringValue(Text(s.SqrtOneMinusAlphaBar(t))));
        Array(json, "snr", view.Steps, t => json.WriteStringValue(t == 0 ? "∞" : Text(s.Snr(t))));
        Array(json, "posteriorStd", view.Steps, t => NullOr(json, t, () => json.WriteStringValue(Text(Math.Sqrt(s.PosteriorVariance(t))))));
        // The gray of the constant image √β̃_t on a black (0) to white (1) scale.
        Array(json, "posteriorStdGray", view.Steps, t => NullOr(json, t, () => json.WriteNumberValue(PixelRange.Unit.ToByte(Math.Sqrt(s.PosteriorVariance(t))))));
        Array(json, "digits", view.Digits, digit =>
        {
            json.WriteStartObject();
            json.WriteBase64String("noise", NoiseBytes(digit.Noise));
            Array(json, "xt", digit.Steps, step => Picture(json, step.Xt));
            Array(json, "posteriorMean", digit.Steps, step => { if (step.Posterior is { } p) Picture(json, p.Mean); else json.WriteNullValue(); });
            Array(json, "chains", digit.Steps, step =>
            {
                json.WriteStartObject();
                Array(json, "t", step.ChainFrames, frame => json.WriteNumberValue(frame.Step));
                Array(json, "frames", step.ChainFrames, frame => Picture(json, frame.X));
                json.WriteEndObject();
            });
            json.WriteEndObject();
        });
        json.WriteEndObject();
    }

    private static void Curves(Utf8JsonWriter json, CurveSet set)
    {
        json.WriteStartObject();
        json.WriteNumber("steps", set.Linear.Steps);
        foreach (var (name, schedule) in new[] { ("linear", set.Linear), ("cosine", set.Cosine) })
        {
            json.WriteStartObject(name);
            json.WriteString("description", schedule.Description);
            int[] t = Enumerable.Range(1, schedule.Steps).ToArray();
            Array(json, "beta", t, i => Number(json, schedule.Beta(i)));
            Array(json, "alphaBar", t, i => Number(json, schedule.AlphaBar(i)));
            Array(json, "varianceRatio", t, i => Number(json, schedule.PosteriorVariance(i) / schedule.Beta(i)));
            Array(json, "logSnr", t, i => Number(json, schedule.LogSnr(i)));
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void Generation(Utf8JsonWriter json, GenerationView generation)
    {
        NoiseSchedule s = generation.Schedule;
        json.WriteStartObject("generation");
        json.WriteString("description", s.Description);
        json.WriteNumber("steps", s.Steps);
        json.WriteNumber("training", generation.TrainingCount);
        Array(json, "runs", generation.Runs, run =>
        {
            json.WriteStartObject();
            json.WriteString("sampler", run.Sampler);
            json.WriteNumber("count", run.StepCount);
            json.WriteNumber("nearest", run.NearestTrainingDigit);
            Array(json, "t", run.Frames, f => json.WriteNumberValue(f.T));
            Array(json, "alphaBar", run.Frames, f => json.WriteStringValue(Text(s.AlphaBar(f.T))));
            Array(json, "xt", run.Frames, f => Picture(json, f.Xt));
            Array(json, "x0", run.Frames, f => { if (f.PredictedX0 is { } x) Picture(json, x); else json.WriteNullValue(); });
            json.WriteEndObject();
        });
        json.WriteEndObject();
    }

    // A curve value: 6 significant digits are far finer than a chart's pixel.
    private static void Number(Utf8JsonWriter json, double value) =>
        json.WriteRawValue(value.ToString("G6", CultureInfo.InvariantCulture).Replace("E+", "e").Replace("E", "e"), skipInputValidation: false);

    private static void NullOr(Utf8JsonWriter json, int t, Action write)
    {
        if (t == 0) json.WriteNullValue();
        else write();
    }

    private static void Array<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (T item in items) write(item);
        json.WriteEndArray();
    }
}
