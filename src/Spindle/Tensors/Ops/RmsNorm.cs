using System.Diagnostics;
using System.Numerics.Tensors;

namespace Spindle.Tensors.Ops;

/// <summary>Root-mean-square normalization: <c>y = x / sqrt(mean(x²) + eps) * weight</c> (ggml_rms_norm then ggml_mul).</summary>
public static class RmsNorm
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> destination)
    {
        Debug.Assert(weight.Length == x.Length && destination.Length >= x.Length);
        // ggml sums the squares in double; single-precision SIMD sums differ by a few ulps over these lengths.
        float mean = TensorPrimitives.SumOfSquares(x) / x.Length;
        float scale = 1.0f / MathF.Sqrt(mean + epsilon);
        // Two roundings, as ggml's separate scale and multiply produce.
        TensorPrimitives.Multiply(x, scale, destination);
        TensorPrimitives.Multiply(destination.Slice(0, x.Length), weight, destination);
    }
}
