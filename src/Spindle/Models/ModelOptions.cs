namespace Spindle.Models;

/// <summary>How a model is loaded and run.</summary>
public sealed record ModelOptions
{
    /// <summary>Worker threads for matrix products and attention (the caller counts as one). Default: all cores.</summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Most tokens one pass through the layers takes (llama.cpp's n_ubatch): a longer batch runs as consecutive
    /// micro-batches, so activation scratch (≈ 11 floats × n_embd + 3 × n_ff per token, plus a vocabulary-wide logits
    /// row per output) stays bounded by this many tokens instead of growing with the prompt and staying resident while
    /// decoding. Larger values read each weight fewer times per prompt; past ~32 tokens that gains little on a CPU.
    /// Batches with an <see cref="AttentionMask"/> always run whole.
    /// </summary>
    public int MicroBatchSize { get; init; } = DefaultMicroBatchSize;

    public const int DefaultMicroBatchSize = 32;
}
