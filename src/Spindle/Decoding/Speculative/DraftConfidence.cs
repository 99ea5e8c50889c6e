using System.Numerics.Tensors;

namespace Spindle.Decoding.Speculative;

/// <summary>The adaptive draft length's estimate: the drafter's own probability of its token, from its raw logits.</summary>
internal static class DraftConfidence
{
    /// <summary>softmax(<paramref name="logits"/>)[<paramref name="token"/>] at temperature 1.</summary>
    public static float Of(ReadOnlySpan<float> logits, int token)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += MathF.Exp(logits[i] - max);
        return (float)(Math.Exp(logits[token] - max) / sum);
    }
}
