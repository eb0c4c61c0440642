using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>The grid picture of <c>diffusion sample</c>: its size, one window for all images, one caption per image.</summary>
public class ImagePictureTests
{
    [Theory]
    [InlineData(1, "one line")]
    [InlineData(2, "two\nlines")]
    [InlineData(5, "two\nlines")]
    [InlineData(10, "three\nlines\nhere")]
    [InlineData(17, "one line")]
    public void RenderGridPng_HasTheSizeGridSizeAnnounces(int count, string title)
    {
        Image[] images = Enumerable.Range(0, count).Select(i => Image.Filled(4, 3, i)).ToArray();
        using var bitmap = SkiaSharp.SKBitmap.Decode(ImagePicture.RenderGridPng(images, title));
        Assert.Equal(ImagePicture.GridSize(count, title), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void RenderGridPng_DrawsEveryImageInOneWindow_SoThatTheyCanBeCompared()
    {
        // Two constant images, −1 and 3: in one window they are black and white; each in its own window would be the
        // same mid grey. Two cells side by side below a header of two lines (the title and the window).
        byte[] png = ImagePicture.RenderGridPng([Image.Filled(8, 8, -1.0), Image.Filled(8, 8, 3.0)], "title");
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        int middle = bitmap.Height - 176 / 2;
        Assert.Equal(SkiaSharp.SKColors.Black, bitmap.GetPixel(bitmap.Width / 4, middle));
        Assert.Equal(SkiaSharp.SKColors.White, bitmap.GetPixel(3 * bitmap.Width / 4, middle));
    }

    [Fact]
    public void RenderGridPng_Rejects_ACaptionCountThatIsNotTheImageCount()
    {
        var error = Assert.Throws<ArgumentException>(() => ImagePicture.RenderGridPng([Image.Filled(2, 2, 0.0)], "t", ["a", "b"]));
        Assert.Contains("captions has 2 entries but images has 1", error.Message);
    }
}
