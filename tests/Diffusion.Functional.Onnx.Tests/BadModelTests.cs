using Diffusion.Functional.Onnx.Tests.Support;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// Models that cannot be used fail with an <see cref="OnnxModelException"/> that names what the model has and what was
/// expected: at load (missing, not ONNX, other inputs or outputs) or at the run that shows it (NaN, wrong shape).
/// </summary>
public class BadModelTests
{
    private static OnnxModelException LoadFails(string fixture, OnnxDenoiserOptions? options = null) =>
        Assert.Throws<OnnxModelException>(() => OnnxDenoiser.Load(Fixtures.PathOf(fixture), options ?? Fixtures.Small));

    [Fact]
    public void MissingFile_SaysThereIsNoModelThere()
    {
        string path = Fixtures.PathOf("no-such-model.onnx");
        var error = Assert.Throws<OnnxModelException>(() => OnnxDenoiser.Load(path, Fixtures.Small));
        Assert.Equal($"There is no ONNX model at {path}: the file does not exist.", error.Message);
        Assert.Equal(path, error.Model);
    }

    [Fact]
    public void Folder_SaysItIsAFolder()
    {
        var error = Assert.Throws<OnnxModelException>(() => OnnxDenoiser.Load(AppContext.BaseDirectory, Fixtures.Small));
        Assert.Contains("is a folder, not an ONNX model file", error.Message);
    }

    [Fact]
    public void TextFile_IsNotAnOnnxModel()
    {
        var error = LoadFails("not-onnx.onnx");
        Assert.StartsWith($"{Fixtures.PathOf("not-onnx.onnx")} is not an ONNX model that ONNX Runtime can load: ", error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void OtherInputNames_AreNamed_WithWhatWasExpected()
    {
        var error = LoadFails("bad-input-names.onnx");
        Assert.Contains("the model has no input 'sample'.", error.Message);
        Assert.Contains("expected: inputs sample float32 [N, 1, 4, 4], timestep int64, int32, float32 or float64 [N] or a scalar, optionally class_labels int64 or int32 [N]; output out_sample float32 [N, 1 or 2, 4, 4]", error.Message);
        Assert.Contains("the model has: inputs x float32 [batch, 1, 4, 4], t int64 [batch]; outputs out_sample float32 [batch, 1, 4, 4]", error.Message);
    }

    [Fact]
    public void OtherInputNames_LoadWhenTheOptionsNameThem()
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("bad-input-names.onnx"), Fixtures.Small with { SampleInput = "x", TimestepInput = "t" });
        float[] x = Enumerable.Range(0, 32).Select(i => i / 4f).ToArray();
        Assert.Equal(x.Select(v => 2 * v), model.Run(x, [3, 4])); // the fixture computes 2·x
    }

    [Fact]
    public void Float64Sample_IsRejected()
    {
        var error = LoadFails("bad-sample-dtype.onnx");
        Assert.Contains("input 'sample' is float64 [batch, 1, 4, 4], not float32.", error.Message);
    }

    [Fact]
    public void ThreeOutputChannels_ForOneInputChannel_AreRejected()
    {
        var error = LoadFails("bad-output-channels.onnx");
        Assert.Contains("output 'out_sample' has 3 channels, not C = 1 or 2C = 2.", error.Message);
    }

    [Theory]
    [InlineData(3, "input 'sample' has 1 channels, not C = 3.")]
    public void OtherImageShape_IsRejected(int channels, string message)
    {
        var error = LoadFails("gaussian-eps.onnx", new OnnxDenoiserOptions(channels, 4, 4));
        Assert.Contains(message, error.Message);
        Assert.Contains("the model has: inputs sample float32 [batch, 1, 4, 4], timestep int64 [batch]", error.Message);
    }

    [Fact]
    public void OtherSpatialSize_IsRejected()
    {
        Assert.Contains("input 'sample' has height 4, not H = 28.", LoadFails("gaussian-eps.onnx", new OnnxDenoiserOptions(1, 28, 28)).Message);
        Assert.Contains("input 'sample' has width 4, not W = 5.", LoadFails("gaussian-eps.onnx", new OnnxDenoiserOptions(1, 4, 5)).Message);
    }

    [Fact]
    public void OutputName_IsChecked()
    {
        var error = LoadFails("gaussian-eps.onnx", Fixtures.Small with { Output = "prediction" });
        Assert.Contains("the model has no output 'prediction'.", error.Message);
    }

    [Fact]
    public void DeclaredOutputChannels_MustMatchOutputChannels()
    {
        var error = LoadFails("gaussian-eps.onnx", Fixtures.Small with { OutputChannels = 2 });
        Assert.Contains("output 'out_sample' has 1 channels, not the 2 of OutputChannels.", error.Message);
    }

    [Fact]
    public void WrongShapeAtRunTime_NamesTheImagesAndTimesteps()
    {
        // The fixture's output height is symbolic (it drops a row from network timestep 500 on): only a run shows it.
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("bad-shape-after-500.onnx"), Fixtures.Small with { MaxBatchSize = 2 });
        float[] x = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        Assert.Equal(x, model.Run(x, [0, 499, 7, 8]));
        var error = Assert.Throws<OnnxModelException>(() => model.Run(x, [0, 1, 600, 8]));
        Assert.Contains("returned float32 [2, 1, 3, 4] for images 2..3 of the batch (network timesteps 600, 8); expected float32 [2, 1, 4, 4] from output 'out_sample'.", error.Message);
    }

    [Fact]
    public void NaNAtRunTime_NamesTheImageAndItsTimestep()
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("bad-nan-after-500.onnx"), Fixtures.Small with { MaxBatchSize = 2 });
        float[] x = Enumerable.Range(0, 48).Select(i => (float)i).ToArray();
        Assert.Equal(x, model.Run(x, [0, 499, 250])); // below 500 the fixture returns x_t itself
        var error = Assert.Throws<OnnxModelException>(() => model.Run(x, [0, 499, 500]));
        Assert.Contains("returned NaN for image 2 of the batch (network timestep 500), value 0: a denoiser's output must be finite.", error.Message);
    }

    [Fact]
    public void Cuda_OnThisCpuBuild_IsAClearError()
    {
        // The Microsoft.ML.OnnxRuntime package has no CUDA provider; Microsoft.ML.OnnxRuntime.Gpu has.
        var error = LoadFails("gaussian-eps.onnx", Fixtures.Small with { UseCuda = true });
        Assert.Contains("the CUDA execution provider is not available", error.Message);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", error.Message);
    }
}
