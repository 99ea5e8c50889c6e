using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Bit-unpacking steps shared by the 32-element block formats (AVX2 forms need <see cref="Avx2"/>).</summary>
internal static class QuantUnpack
{
    /// <summary>The 32 nibbles of a block in element order: byte j's low nibble is element j, its high nibble element j + 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles256(ref readonly Nibbles16 qs)
    {
        // The 16 bytes in both halves, the upper half shifted right by 4, then one mask: fewer instructions than
        // masking and shifting two 128-bit halves and joining them.
        var packed = Vector128.LoadUnsafe(ref Unsafe.As<Nibbles16, byte>(ref Unsafe.AsRef(in qs)));
        if (Avx2.IsSupported)
        {
            var both = Vector256.Create(packed, packed).AsUInt32();
            return Avx2.ShiftRightLogicalVariable(both, Vector256.Create(0u, 0, 0, 0, 4, 4, 4, 4)).AsByte() & Vector256.Create((byte)0x0F);
        }
        var mask = Vector128.Create((byte)0x0F);
        return Vector256.Create(packed & mask, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & mask);
    }

    /// <summary>0xFF in byte lane j where bit j of <paramref name="qh"/> is set (Q5's fifth bits), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FifthBitMask256(uint qh)
    {
        // vpshufb works per 128-bit half; after the broadcast each half holds all four qh bytes, so the low half picks
        // bytes 0–1 (elements 0–15) and the high half bytes 2–3 (elements 16–31), eight lanes each.
        var selectByte = Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        var bitOfLane = Vector256.Create(
            (byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
            1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var spread = Avx2.Shuffle(Vector256.Create(qh).AsByte(), selectByte);
        return Vector256.Equals(spread & bitOfLane, bitOfLane);
    }

    /// <summary>The 32 nibbles in element order (scalar form of <see cref="Nibbles256"/>).</summary>
    public static void Nibbles(ReadOnlySpan<byte> qs, Span<byte> destination)
    {
        for (int j = 0; j < 16; j++)
        {
            destination[j] = (byte)(qs[j] & 0x0F);
            destination[j + 16] = (byte)(qs[j] >> 4);
        }
    }
}
