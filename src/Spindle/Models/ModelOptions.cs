using Spindle.Tensors.Threading;

namespace Spindle.Models;

/// <summary>How a model is loaded and run.</summary>
public sealed record ModelOptions
{
    /// <summary>
    /// Worker threads for matrix products and attention (the caller counts as one). Default: all cores. Ignored when
    /// <see cref="WorkerPool"/> is given.
    /// </summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// A pool to run on instead of a pool of the model's own, so that two models used together (draft and target,
    /// small and large) share the cores instead of oversubscribing them. The caller disposes it after the models.
    /// </summary>
    public WorkerPool? WorkerPool { get; init; }

    /// <summary>
    /// Most tokens one pass through the layers takes (llama.cpp's n_ubatch): a longer batch runs as consecutive
    /// micro-batches, so activation scratch (≈ 11 floats × n_embd + 3 × n_ff per token, plus a vocabulary-wide logits
    /// row per output) stays bounded by this many tokens instead of growing with the prompt and staying resident while
    /// decoding. Batches with an <see cref="AttentionMask"/> always run whole.
    /// </summary>
    public int MicroBatchSize { get; init; } = DefaultMicroBatchSize;

    public const int DefaultMicroBatchSize = 32;

    /// <summary>Threads a pool may have: beyond this, more threads only add contention on any machine Spindle targets.</summary>
    public const int MaxThreadCount = 1024;

    /// <summary>Most tokens per micro-batch.</summary>
    public const int MaxMicroBatchSize = 8192;

    public void Validate()
    {
        if (WorkerPool is null && (ThreadCount < 1 || ThreadCount > MaxThreadCount))
            throw new ArgumentOutOfRangeException(nameof(ThreadCount), ThreadCount, $"ThreadCount must be within 1..{MaxThreadCount}");
        if (MicroBatchSize < 1 || MicroBatchSize > MaxMicroBatchSize)
            throw new ArgumentOutOfRangeException(nameof(MicroBatchSize), MicroBatchSize, $"MicroBatchSize must be within 1..{MaxMicroBatchSize}");
    }
}
