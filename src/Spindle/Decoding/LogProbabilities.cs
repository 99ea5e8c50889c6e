using System.Numerics.Tensors;

namespace Spindle.Decoding;

/// <summary>Natural-log softmax pieces over one row of logits.</summary>
internal static class LogProbabilities
{
    /// <summary>log Σ exp(logits), shifted by the maximum so exp never overflows; <paramref name="scratch"/> ≥ row length.</summary>
    public static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(logits);
        var shifted = scratch.Slice(0, logits.Length);
        TensorPrimitives.Subtract(logits, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return max + MathF.Log(TensorPrimitives.Sum(shifted));
    }
}
