using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Tensors.Ops;

namespace Spindle.Models;

/// <summary>
/// Probabilities (already rounded to F16) × cached F16 values for one head in the order of llama.cpp's AVX-512 tiled
/// GEMM (llamafile tinyBLAS), which it uses for that product when the number of slots in view, n_kv, is a multiple of
/// 16 (always, as llama.cpp pads n_kv): slot s accumulates into lane s mod 16 and the lanes reduce pairwise
/// (16 → 8 → 4 → 2 → 1). Every product of two F16 values is exact in fp32, so only the order of the additions matters,
/// and it decides which way later F16 roundings fall. Masked slots past a token's own add exact zeros, so the result
/// does not depend on how many slots the batch has in view. The attention job accumulates the lanes itself (it widens
/// each value row once for a whole group of query heads); this reduces them.
/// </summary>
internal static class HalfValueProduct
{
    public const int Lanes = 16;

    /// <summary>Adds <see cref="Lanes"/> rows of <paramref name="headDim"/> pairwise and writes the sum to <paramref name="output"/>.</summary>
    public static void ReduceLanes(Span<float> lanes, int headDim, Span<float> output)
    {
        ref float rows = ref MemoryMarshal.GetReference(lanes);
        for (int width = Lanes / 2; width >= 1; width >>= 1)
            for (int lane = 0; lane < width; lane++)
                HeadVectors.Add(ref Unsafe.Add(ref rows, (lane + width) * headDim), ref Unsafe.Add(ref rows, lane * headDim), headDim);
        lanes.Slice(0, headDim).CopyTo(output);
    }
}
