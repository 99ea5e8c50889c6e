using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Dot product and scaled add over short vectors (one attention head: 8 to 256 floats), called once per cached slot.
/// At these lengths the dispatch of a general-purpose routine costs as much as the arithmetic, so these inline into
/// the attention loop. Callers guarantee both spans hold <c>length</c> elements.
/// </summary>
public static class HeadVectors
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int length)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= length - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref x, (nuint)i) * Vector256.LoadUnsafe(ref y, (nuint)i);
                acc1 += Vector256.LoadUnsafe(ref x, (nuint)(i + 8)) * Vector256.LoadUnsafe(ref y, (nuint)(i + 8));
            }
            if (i <= length - Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref x, (nuint)i) * Vector256.LoadUnsafe(ref y, (nuint)i);
                i += Vector256<float>.Count;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
                acc += Vector128.LoadUnsafe(ref x, (nuint)i) * Vector128.LoadUnsafe(ref y, (nuint)i);
            sum = Vector128.Sum(acc);
        }
        for (; i < length; i++) sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        return sum;
    }

    /// <summary><c>destination[i] += x[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ref float x, ref float destination, int length)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref destination, (nuint)i) + Vector256.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) += Unsafe.Add(ref x, i);
    }

    /// <summary><c>destination[i] += scale * x[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref float x, float scale, ref float destination, int length)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var s = Vector256.Create(scale);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var d = Vector256.LoadUnsafe(ref destination, (nuint)i) + s * Vector256.LoadUnsafe(ref x, (nuint)i);
                d.StoreUnsafe(ref destination, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            var s = Vector128.Create(scale);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var d = Vector128.LoadUnsafe(ref destination, (nuint)i) + s * Vector128.LoadUnsafe(ref x, (nuint)i);
                d.StoreUnsafe(ref destination, (nuint)i);
            }
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) += scale * Unsafe.Add(ref x, i);
    }
}
