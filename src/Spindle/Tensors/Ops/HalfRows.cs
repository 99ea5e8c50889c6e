using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Widens short rows of fp16 bits (one attention head of a cached key or value) to fp32, inline, eight at a time: the
/// general-purpose conversion costs a call per row, which at one row per cached slot and head would dominate.
/// Exact for every value (<see cref="F16Widening"/>): small cached values are often fp16 subnormals, so this must not
/// take the slow path for them.
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
                var bits = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, (nuint)i)).AsUInt32();
                F16Widening.ToSingle(bits).StoreUnsafe(ref destination, (nuint)i);
            }
        }
        for (; i < length; i++) Unsafe.Add(ref destination, i) = HalfBits.ToSingle(Unsafe.Add(ref source, i));
    }
}
