using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>The per-image work of one step: x_t, the denoiser's output and the buffers of image k.</summary>
internal delegate void ImageStep<T>(
    int image, ReadOnlySpan<T> xt, ReadOnlySpan<T> prediction, ReadOnlySpan<T> interpolation,
    Span<T> x0, Span<T> epsilon, Span<T> scratch, Span<T> next)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The state of a one-evaluation-per-step sampler's chain over a batch: the current and next states, the denoiser's
/// output and the estimates, reused from step to step (a step allocates nothing but the observer's copies).
/// </summary>
internal sealed class SamplerLoop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SamplerRun<T> _run;
    private readonly int _count, _channels, _height, _width, _perImage;
    private readonly int[] _timesteps;
    private readonly T[] _prediction, _interpolation, _x0, _epsilon;
    private T[] _current, _next;
    private int _timestep;
    private readonly T[] _scratch;

    public SamplerLoop(SamplerRun<T> run)
    {
        _run = run;
        ImageBatch<T> start = run.Start;
        (_count, _channels, _height, _width, _perImage) = (start.Count, start.Channels, start.Height, start.Width, start.ValuesPerImage);
        int length = start.Values.Length;
        _timesteps = new int[_count];
        _current = start.Values.ToArray();
        // Without an observer nobody needs x_t after its step, so the step writes x_{t−1} over it (element by element:
        // every kernel reads value j before it writes value j): one batch-sized array less to stream through the cache.
        _next = run.Observer is null ? _current : new T[length];
        _prediction = new T[length];
        _interpolation = run.Denoiser.PredictsVariance ? new T[length] : [];
        _x0 = new T[length];
        _epsilon = new T[length];
        _scratch = new T[2 * _perImage];
        _currentBatch = ImageBatch<T>.Own(_count, _channels, _height, _width, _current);
        _nextBatch = ReferenceEquals(_next, _current) ? _currentBatch : ImageBatch<T>.Own(_count, _channels, _height, _width, _next);
    }

    // The batches the denoiser is handed, one per state array, made once: a view changes no values, so a step needs no new one.
    private ImageBatch<T> _currentBatch, _nextBatch;

    /// <summary>x_t of the step about to be taken. Its memory is reused after the step: the denoiser must not keep it.</summary>
    public ImageBatch<T> Current => _currentBatch;

    /// <summary>One denoiser call for the whole batch at the step's timestep, checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate(ReverseStep step)
    {
        _run.Parallel?.CancellationToken.ThrowIfCancellationRequested();
        SamplerKernels.Evaluate(_run.Denoiser, Current, step.Timestep, _timesteps, _prediction, _interpolation);
        _timestep = step.Timestep;
    }

    /// <summary>Runs <paramref name="work"/> for every image (over threads when the run allows), each on its own slices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForEachImage(ImageStep<T> work)
    {
        int perImage = _perImage;
        bool variance = _interpolation.Length > 0;
        if (_run.Parallel is null)
        {
            // On the calling thread one buffer serves every step, and no range delegate is made.
            Steps(0, _count, perImage, variance, work, _scratch);
            return;
        }
        BatchParallel.ForEachRange(_count, _run.Parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, count) =>
        {
            // A range on a pool thread borrows its buffer from the shared pool (allocating one per range and step was
            // 128 arrays per step of 256 images on 2 threads, issue 13).
            T[] scratch = ArrayPool<T>.Shared.Rent(2 * perImage);
            try
            {
                Steps(first, count, perImage, variance, work, scratch.AsSpan(0, 2 * perImage));
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }, SamplerRangesPerThread);
    }

    /// <summary>
    /// Ranges per thread of a step: a step of one image is about a microsecond, so fewer, larger ranges than the batch
    /// kernels' 64 (whose ranges are whole chains) keep <c>Parallel.For</c>'s cost per range small against the work.
    /// </summary>
    private const int SamplerRangesPerThread = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Steps(int first, int count, int perImage, bool variance, ImageStep<T> work, Span<T> scratch)
    {
        for (int k = first; k < first + count; k++)
        {
            int offset = k * perImage;
            ReadOnlySpan<T> prediction = _prediction.AsSpan(offset, perImage);
            ReadOnlySpan<T> interpolation = variance ? _interpolation.AsSpan(offset, perImage) : ReadOnlySpan<T>.Empty;
            work(k, _current.AsSpan(offset, perImage), prediction, interpolation, _x0.AsSpan(offset, perImage), _epsilon.AsSpan(offset, perImage), scratch, _next.AsSpan(offset, perImage));
            // Checked just after the step has read them, while they are in the core's cache: checked before, the check
            // was the first to fetch them from memory, with nothing to do meanwhile (docs/performance.md). A step on a
            // non-finite value writes only this loop's own state, which the exception then discards.
            SamplerKernels.RequireFinite(prediction, k, _timestep, "prediction");
            if (variance) SamplerKernels.RequireFinite(interpolation, k, _timestep, "variance interpolation");
        }
    }

    /// <summary>Reports the step to the observer (with copies) and makes the next state current.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Advance(ReverseStep step)
    {
        if (_run.Observer is { } observer)
        {
            observer.OnStep(new SamplerStepReport<T>(
                step, Copy(_current), Copy(_x0), Copy(_epsilon), Copy(_next)));
        }
        (_current, _next) = (_next, _current);
        (_currentBatch, _nextBatch) = (_nextBatch, _currentBatch);
    }

    /// <summary>The final state x_0, handed over (the loop is done with it).</summary>
    public ImageBatch<T> Result() => _currentBatch;

    private ImageBatch<T> Copy(T[] values) => ImageBatch<T>.Own(_count, _channels, _height, _width, (T[])values.Clone());
}
