using System.Numerics.Tensors;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Softmax and log-sum-exp over one row of logits, shifted by the row's maximum so exp never overflows. The one
/// implementation every search and logprob path uses (the attention keeps ggml's own, <see cref="GgmlSoftmax"/>, and the
/// sampler chain llama.cpp's per-candidate loop).
/// </summary>
public static class Softmax
{
    public static void InPlace(Span<float> values) => Compute(values, values);

    /// <summary><paramref name="destination"/>[i] = exp(x[i] − max) / Σ exp(x − max).</summary>
    public static void Compute(ReadOnlySpan<float> logits, Span<float> destination)
    {
        if (logits.IsEmpty) return;
        var p = destination.Slice(0, logits.Length);
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, p);
        TensorPrimitives.Exp(p, p);
        TensorPrimitives.Multiply(p, 1.0f / TensorPrimitives.Sum(p), p);
    }

    /// <summary>ln Σ exp(logits), using <paramref name="scratch"/> (≥ the row's length) for the exponentials.</summary>
    public static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(logits);
        var shifted = scratch.Slice(0, logits.Length);
        TensorPrimitives.Subtract(logits, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return max + MathF.Log(TensorPrimitives.Sum(shifted));
    }
}
