using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Widens short rows of fp16 bits (one attention head of a cached key or value) to fp32, inline, eight at a time: the
/// general-purpose conversion costs a call per row, which at one row per cached slot and head would dominate.
/// Exact for every finite value, zeros and subnormals; infinities and NaNs (which a cache never holds from finite
/// activations) come out as large finite values.
/// </summary>
public static class HalfRows
{
    private const float Rebias = 5.192296858534828e33f; // 2^112: moves fp16's exponent bias onto fp32's

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(ref ushort source, ref float destination, int length)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            for (; i <= length - 8; i += 8)
            {
                var bits = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, (nuint)i)).AsUInt32();
                var magnitude = ((bits & Vector256.Create(0x7FFFu)) << 13).AsSingle() * Vector256.Create(Rebias);
                (magnitude.AsUInt32() | ((bits & Vector256.Create(0x8000u)) << 16)).AsSingle().StoreUnsafe(ref destination, (nuint)i);
            }
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) = HalfBits.ToSingle(Unsafe.Add(ref source, i));
    }
}
