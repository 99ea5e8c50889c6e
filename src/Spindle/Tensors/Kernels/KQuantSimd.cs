using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Building blocks shared by the K-quant SIMD dot products. The pattern (llama.cpp's) is: unsigned weight quants ×
/// signed Q8_K quants with maddubs (u8·s8 pairs → s16), then madd against the sub-block scales (s16·s16 pairs → s32),
/// so one int32 accumulator per lane collects Σ scale·q·q8 exactly; offsets and mins are folded in through bsums.
/// </summary>
internal static class KQuantSimd
{
    /// <summary>
    /// vpermw controls that spread per-sub-block scales (as 16-bit lanes 0..15 of a vector) over the 32 madd lanes of a
    /// 64-element chunk c: lane k of chunk c belongs to 16-element sub-block 4c + k/8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> SpreadIndex16(int c) =>
        Vector512.Create(
            Vector256.Create(Vector128.Create((short)(4 * c)), Vector128.Create((short)(4 * c + 1))),
            Vector256.Create(Vector128.Create((short)(4 * c + 2)), Vector128.Create((short)(4 * c + 3))));

    /// <summary>As <see cref="SpreadIndex16"/> for 32-element sub-blocks: lane k of chunk c belongs to sub-block 2c + k/16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> SpreadIndex32(int c) =>
        Vector512.Create(Vector256.Create((short)(2 * c)), Vector256.Create((short)(2 * c + 1)));

    /// <summary>Bytes shifted right by <paramref name="shift"/> then masked (x86 has no byte shift; the mask drops the bits
    /// that leak in from the neighbouring byte of each 16-bit lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ShiftRightMask(Vector256<byte> v, int shift, Vector256<byte> mask) =>
        Vector256.ShiftRightLogical(v.AsUInt16(), shift).AsByte() & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> ShiftRightMask(Vector512<byte> v, int shift, Vector512<byte> mask) =>
        Vector512.ShiftRightLogical(v.AsUInt16(), shift).AsByte() & mask;

    /// <summary>
    /// One weight block's unpacked quants and spread scales, written once and then read by each of the four tokens of
    /// a prefill step: as registers they would leave none for the tokens' accumulators.
    /// </summary>
    [InlineArray(17)]
    public struct UnpackedBlock
    {
        private Vector256<byte> _element;
    }
}
