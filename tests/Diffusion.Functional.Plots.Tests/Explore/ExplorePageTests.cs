using Diffusion.Functional.Schedules;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Plots.Explore;
using Diffusion.Functional.Plots.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Plots.Tests.Explore;

/// <summary>The explorer page: deterministic, self-contained, small, and holding the library's numbers and pixels.</summary>
public partial class ExplorePageTests
{
    /// <summary>The page is "a few MB at most": this is the limit it is held to.</summary>
    private const int MaxBytes = 3 * 1024 * 1024;

    private static readonly Lazy<byte[]> DefaultPage = new(() => ExplorePage.RenderHtml(FigureInputs.FromShippedSample, FigureCatalogue.DefaultSeed));

    private static JsonElement DataOf(byte[] page)
    {
        Match data = DataElement().Match(Encoding.UTF8.GetString(page));
        Assert.True(data.Success, "the page has no <script type=\"application/json\" id=\"explore-data\">");
        return JsonDocument.Parse(data.Groups["json"].Value).RootElement.Clone();
    }

    [Fact]
    public void RenderHtml_WritesTheSameBytes_ForTheSameSeed_AndOthersForAnother()
    {
        byte[] again = ExplorePage.RenderHtml(FigureInputs.FromShippedSample, FigureCatalogue.DefaultSeed);
        Assert.Equal(DefaultPage.Value, again);
        Assert.NotEqual(DefaultPage.Value, ExplorePage.RenderHtml(FigureInputs.FromShippedSample, 7));
    }

    [Fact]
    public void ThePage_IsSmall_AndAsksForNothingOutsideItself()
    {
        Assert.True(DefaultPage.Value.Length <= MaxBytes, $"the page is {DefaultPage.Value.Length} bytes, over {MaxBytes}");
        string html = Encoding.UTF8.GetString(DefaultPage.Value);
        Assert.DoesNotContain("{{EXPLORE_DATA}}", html);
        // The only address is SVG's namespace name, an identifier that is never fetched.
        string[] addresses = Address().Matches(html).Select(m => m.Value).Distinct().ToArray();
        Assert.Equal(["http://www.w3.org/2000/svg"], addresses);
        Assert.DoesNotMatch(ExternalReference(), html);
    }

    [Fact]
    public void ThePrintedNumbers_AreTheSchedulesValues_AtEachSliderStep()
    {
        JsonElement data = DataOf(DefaultPage.Value);
        foreach (var (json, schedule) in data.GetProperty("views").EnumerateArray().Zip([CanonicalSchedules.Seed, CanonicalSchedules.Ddpm]))
        {
            int[] steps = json.GetProperty("t").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(ExploreData.SliderSteps(schedule.Steps), steps);
            string[] alphaBar = json.GetProperty("alphaBar").EnumerateArray().Select(e => e.GetString()!).ToArray();
            string[] snr = json.GetProperty("snr").EnumerateArray().Select(e => e.GetString()!).ToArray();
            for (int i = 0; i < steps.Length; i++)
            {
                Assert.Equal(ExploreJson.Text(schedule.AlphaBar(steps[i])), alphaBar[i]);
                Assert.Equal(steps[i] == 0 ? "∞" : ExploreJson.Text(schedule.Snr(steps[i])), snr[i]);
            }
        }
    }

    [Fact]
    public void TheDigitsBytes_AreTheMnistBytes_AndEachChainEndsAtThem()
    {
        MnistDigits sample = MnistSample.Load();
        JsonElement data = DataOf(DefaultPage.Value);
        byte[][] x0 = data.GetProperty("x0").EnumerateArray().Select(e => e.GetBytesFromBase64()).ToArray();
        // The page's digits: the seed's 5, then the first 0 and the first 7 of the sample.
        Assert.Equal(new[] { 5, 0, 7 }.Select(c => sample.PixelBytes(sample.IndexOfFirst(c)).ToArray()), x0);
        foreach (JsonElement view in data.GetProperty("views").EnumerateArray())
        {
            foreach (var (digit, bytes) in view.GetProperty("digits").EnumerateArray().Zip(x0))
            {
                Assert.Equal(bytes, digit.GetProperty("xt")[0].GetBytesFromBase64());
                foreach (JsonElement chain in digit.GetProperty("chains").EnumerateArray())
                    Assert.Equal(bytes, chain.GetProperty("frames").EnumerateArray().Last().GetBytesFromBase64());
            }
        }
    }

    [Property]
    public Property Text_HasAtMostSixSignificantDigits_AndRoundsTheValue()
    {
        return Prop.ForAll(Gen.Choose(-300, 300).SelectMany(e => Gen.Choose(1, 999_999_999).Select(m => m / 1e9 * Math.Pow(10, e))).ToArbitrary(), value =>
        {
            string text = ExploreJson.Text(value);
            double parsed = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            string digits = text.Split('e')[0].Replace(".", "").TrimStart('0');
            return digits.Length <= 6 && Math.Abs(parsed - value) <= 5e-6 * Math.Abs(value);
        });
    }

    [Fact]
    public void Text_WritesAnExponentAsESignDigits_AndInfinityAsTheSign()
    {
        Assert.Equal("4.03582e-5", ExploreJson.Text(4.0358167e-5));
        Assert.Equal("0.132164", ExploreJson.Text(0.13216359));
        Assert.Equal("1", ExploreJson.Text(1.0));
        Assert.Equal("∞", ExploreJson.Text(double.PositiveInfinity));
    }

    [GeneratedRegex("<script type=\"application/json\" id=\"explore-data\">(?<json>.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DataElement();

    [GeneratedRegex(@"[a-z]+://[^\s""'<>)]+")]
    private static partial Regex Address();

    [GeneratedRegex(@"<(link|img|iframe)\b|\bsrc\s*=|@import|url\(", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
