using System.Runtime.CompilerServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// fp16 → fp32 for block scales in hot loops. The (float)Half cast is a branchy software routine in .NET 10 (there is
/// no scalar F16C intrinsic), costing more than a whole block's integer dot product; this rebias is exact for all inputs.
/// </summary>
internal static class HalfBits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(Half value) => ToSingle(Unsafe.BitCast<Half, ushort>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint magnitude = (uint)(bits & 0x7FFF) << 13;
        uint exponent = magnitude & 0x0F800000;
        uint rebased = magnitude + 0x38000000; // (127 - 15) << 23
        // Both fix-ups are computed and selected without branches (the JIT emits cmov): a branch here made the JIT
        // keep vector accumulators of the calling loops on the stack.
        uint subnormal = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(rebased + 0x00800000) - BitConverter.UInt32BitsToSingle(0x38800000));
        // Infinity / NaN keep an all-ones exponent; NaNs come out quiet, as the Half conversion makes them.
        uint quiet = (magnitude & 0x007FE000) != 0 ? 0x00400000u : 0;
        rebased = exponent == 0x0F800000 ? (rebased + 0x38000000) | quiet : rebased;
        rebased = exponent == 0 ? subnormal : rebased;
        return BitConverter.UInt32BitsToSingle(rebased | (uint)(bits & 0x8000) << 16);
    }
}
