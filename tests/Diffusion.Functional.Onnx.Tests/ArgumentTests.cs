using Diffusion.Functional.Onnx.Tests.Support;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>Bad calls fail before anything runs, with a message naming the value and what is allowed.</summary>
public class ArgumentTests
{
    private static OnnxDenoiser Conditional() => OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { ClassLabelCount = 11 });

    private static OnnxDenoiser Unconditional() => OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);

    [Fact]
    public void Load_ReportsWhatTheModelIs()
    {
        using var conditional = Conditional();
        Assert.True(conditional.IsClassConditional);
        Assert.Equal(1, conditional.OutputChannels);
        Assert.Equal(16, conditional.PixelsPerImage);
        Assert.Equal("inputs sample float32 [batch, 1, 4, 4], timestep int64 [batch], class_labels int64 [batch]; outputs out_sample float32 [batch, 1, 4, 4]", conditional.Signature());
    }

    [Fact]
    public void TimestepOutsideTheNetworkRange_IsRejected()
    {
        using var model = Unconditional();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new float[32], [0, 1000]));
        Assert.StartsWith("The network timestep of image 1 is 1000; it must lie in 0..999 (network t = our t − 1, our t in 1..1000).", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new float[16], [-1]));
    }

    [Fact]
    public void SampleCount_MustMatchTheTimesteps()
    {
        using var model = Unconditional();
        var error = Assert.Throws<ArgumentException>(() => model.Run(new float[33], [0, 1]));
        Assert.StartsWith("The samples hold 33 values; 2 images (one per timestep) of 1 × 4 × 4 need 32.", error.Message);
        Assert.Throws<ArgumentException>(() => model.Run(new float[0], []));
    }

    [Fact]
    public void Labels_AreRequiredExactlyWhenTheModelTakesThem()
    {
        using var conditional = Conditional();
        using var unconditional = Unconditional();
        Assert.Contains("is class-conditional: give one class label per image, 2, not 0.", Assert.Throws<ArgumentException>(() => conditional.Run(new float[32], [0, 1])).Message);
        Assert.Contains("is not class-conditional (it has no input 'class_labels'); give no class labels.", Assert.Throws<ArgumentException>(() => unconditional.Run(new float[32], [0, 1], [3, 4])).Message);
    }

    [Fact]
    public void LabelOutsideTheClassCount_IsRejected()
    {
        using var model = Conditional();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new float[32], [0, 1], [10, 11]));
        Assert.StartsWith("The class label of image 1 is 11; it must lie in 0..10.", error.Message);
    }

    [Fact]
    public void Destination_MustHaveTheOutputSize_AndNotOverlapTheSamples()
    {
        using var model = Unconditional();
        var buffer = new float[64];
        Assert.StartsWith("The destination holds 31 values; 2 images of 1 × 4 × 4 need 32.",
            Assert.Throws<ArgumentException>(() => model.Run(buffer.AsSpan(0, 32), [0, 1], default, new float[31])).Message);
        Assert.StartsWith("The destination overlaps the samples",
            Assert.Throws<ArgumentException>(() => model.Run(buffer.AsSpan(0, 32), [0, 1], default, buffer.AsSpan(16, 32))).Message);
    }

    [Theory]
    [InlineData(0, 4, 4, 64, "Channels is 0; it must be at least 1.")]
    [InlineData(1, 4, 4, 0, "MaxBatchSize is 0; it must be at least 1.")]
    public void Options_AreChecked(int channels, int height, int width, int maxBatch, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), new OnnxDenoiserOptions(channels, height, width) { MaxBatchSize = maxBatch }));
        Assert.Equal($"Invalid ONNX denoiser options: {message}", error.Message);
    }
}
