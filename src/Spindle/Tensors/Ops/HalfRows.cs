using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Widens short rows of fp16 bits (one attention head of a cached key or value) to fp32, inline, eight at a time: the
/// general-purpose conversion costs a call per row, which at one row per cached slot and head would dominate.
/// Exact for every finite value (see <see cref="Widen8"/>).
/// </summary>
public static class HalfRows
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(ref ushort source, ref float destination, int length)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            for (; i <= length - 8; i += 8)
            {
                Widen8(ref source, i).StoreUnsafe(ref destination, (nuint)i);
            }
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) = HalfBits.ToSingle(Unsafe.Add(ref source, i));
    }

    /// <summary>
    /// <see cref="HeadVectors.Dot"/> of <paramref name="x"/> with the widened fp16 row <paramref name="half"/>, bit for bit,
    /// without storing the widened row: for one query row (decode without grouped heads) the store and reload cost as
    /// much as the product. Needs AVX2 (callers fall back to <see cref="Widen"/> and <see cref="HeadVectors.Dot"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref ushort half, int length)
    {
        int i = 0;
        float sum = 0;
        if (length >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= length - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref x, (nuint)i) * Widen8(ref half, i);
                acc1 += Vector256.LoadUnsafe(ref x, (nuint)(i + 8)) * Widen8(ref half, i + 8);
            }
            if (i <= length - Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref x, (nuint)i) * Widen8(ref half, i);
                i += Vector256<float>.Count;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < length; i++) sum += Unsafe.Add(ref x, i) * HalfBits.ToSingle(Unsafe.Add(ref half, i));
        return sum;
    }

    /// <summary><see cref="HeadVectors.MultiplyAdd"/> of the widened fp16 row <paramref name="half"/>, bit for bit, without storing it (AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref ushort half, float scale, ref float destination, int length)
    {
        int i = 0;
        if (length >= Vector256<float>.Count)
        {
            var s = Vector256.Create(scale);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref destination, (nuint)i) + s * Widen8(ref half, i)).StoreUnsafe(ref destination, (nuint)i);
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) += scale * HalfBits.ToSingle(Unsafe.Add(ref half, i));
    }

    /// <summary>
    /// Eight cached values widened in four operations: the sign and the 15 magnitude bits moved into place (an arithmetic
    /// shift carries the sign, a mask keeps one copy), then one multiply by 2^112 rebiases the exponent. Exact for every
    /// finite value: zeros stay zeros, and an fp16 subnormal (|x| &lt; 2^-14) is an fp32 denormal operand — correct, but
    /// a microcode assist; cached keys and values are activations of order one, so such values should be rare (not
    /// measured). Infinity and NaN come out as large finite values; a cache holds them only after an overflow that has
    /// already spoiled the scores. (The kernels' <see cref="F16Widening"/> takes more operations to be exact for those
    /// too and never assist: block scales are subnormal often.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(ref ushort half, int i)
    {
        var bits = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref half, (nuint)i));
        var placed = Vector256.ShiftRightArithmetic(bits << 16, 3) & Vector256.Create(unchecked((int)0x8FFFE000));
        return placed.AsSingle() * Vector256.Create(Rebias);
    }

    private const float Rebias = 5.192296858534828e33f; // 2^112
}
