using System.Runtime.CompilerServices;
using Spindle.Tensors.Ops;
namespace Spindle.Models;

/// <summary>
/// Probabilities (already rounded to F16) × cached F16 values for one head in the order of llama.cpp's AVX-512 tiled
/// GEMM (llamafile tinyBLAS), which it uses for that product when the number of slots in view, n_kv, is a multiple of
/// 16 (always, as llama.cpp pads n_kv): slot s accumulates into lane s mod 16 and the lanes reduce pairwise
/// (16 → 8 → 4 → 2 → 1). Every product of two F16 values is exact in fp32, so only the order of the additions matters,
/// and it decides which way later F16 roundings fall. Masked slots past a token's own add exact zeros, so the result
/// does not depend on how many slots the batch has in view.
/// </summary>
internal static class HalfValueProduct
{
    public const int Lanes = 16;

    /// <param name="probabilities">One per slot; slots past the span (masked) are zero.</param>
    /// <param name="values">The head's value at slot 0; slot s is <paramref name="stride"/> × s further.</param>
    /// <param name="partial">Scratch of <see cref="Lanes"/> × <paramref name="headDim"/> floats.</param>
    public static void ComputeTiled(ReadOnlySpan<float> probabilities, ref float values, int stride, int headDim,
        float[] partial, Span<float> output)
    {
        var rows = partial.AsSpan(0, Lanes * headDim);
        rows.Clear();
        ref float rowsRef = ref partial[0];
        for (int s = 0; s < probabilities.Length; s++)
        {
            float p = probabilities[s];
            if (p == 0) continue;
            HeadVectors.MultiplyAdd(ref Unsafe.Add(ref values, s * stride), p, ref Unsafe.Add(ref rowsRef, (s & (Lanes - 1)) * headDim), headDim);
        }
        for (int width = Lanes / 2; width >= 1; width >>= 1)
            for (int lane = 0; lane < width; lane++)
                HeadVectors.Add(ref Unsafe.Add(ref rowsRef, (lane + width) * headDim), ref Unsafe.Add(ref rowsRef, lane * headDim), headDim);
        rows.Slice(0, headDim).CopyTo(output);
    }
}
