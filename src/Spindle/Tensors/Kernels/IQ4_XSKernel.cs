using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// IQ4_XS weights against Q8_K activations (ggml_vec_dot_iq4_xs_q8_K). The 4-bit indices become signed table values
/// with one byte shuffle; maddubs needs an unsigned operand, so it multiplies |value| by q8 carrying value's sign.
/// </summary>
public sealed class IQ4_XSKernel : KQuantKernel
{
    public static readonly IQ4_XSKernel Instance = new(KernelIsaSupport.Best);

    public IQ4_XSKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.IQ4_XS;

    protected override int BlockBytes => BlockIQ4_XS.ByteLength;

    private const int QsOffset = 8;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => IQ4_XSReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => IQ4_XSReference.Dot(row, activation),
    };

    /// <summary>The 8 sub-block scales ls − 32 in bytes 0–7 (two's complement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Scales(ref byte xb)
    {
        uint high = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2));
        uint low = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref xb, 4));
        ulong result = 0;
        for (int ib = 0; ib < 8; ib++)
        {
            uint ls = ((low >> (4 * ib)) & 0xF) | (((high >> (2 * ib)) & 3) << 4);
            result |= (ulong)(byte)(ls - 32) << (8 * ib);
        }
        return result;
    }

    private static Vector128<sbyte> Table128 => Vector128.Create(Iq4NlTable.Values);

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var table = Vector512.Create(Table128);
        var low4 = Vector256.Create((byte)0x0F);
        var idx0 = KQuantSimd.SpreadIndex32(0);
        var idx1 = KQuantSimd.SpreadIndex32(1);
        var idx2 = KQuantSimd.SpreadIndex32(2);
        var idx3 = KQuantSimd.SpreadIndex32(3);
        var acc = Vector512<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockIQ4_XS.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            var sc = Avx512BW.ConvertToVector512Int16(Vector256.CreateScalar(Scales(ref xb)).AsSByte());
            ref byte qs = ref Unsafe.Add(ref xb, QsOffset);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum = Pair(ref qs, ref q8, 0, Avx512BW.PermuteVar32x16(sc, idx0), table, low4);
            isum += Pair(ref qs, ref q8, 1, Avx512BW.PermuteVar32x16(sc, idx1), table, low4);
            isum += Pair(ref qs, ref q8, 2, Avx512BW.PermuteVar32x16(sc, idx2), table, low4);
            isum += Pair(ref qs, ref q8, 3, Avx512BW.PermuteVar32x16(sc, idx3), table, low4);
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc);

        // Sub-blocks 2p and 2p+1: 32 bytes of indices → 64 weights in order (each sub-block: low nibbles, then high).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Pair(ref byte qs, ref sbyte q8, int p, Vector512<short> scales, Vector512<sbyte> table, Vector256<byte> low4)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * p));
            var halves = VectorJoin.Join(q & low4, KQuantSimd.ShiftRightMask(q, 4, low4));
            // [lo 2p, lo 2p+1, hi 2p, hi 2p+1] → [lo 2p, hi 2p, lo 2p+1, hi 2p+1] (128-bit lanes 0, 2, 1, 3).
            var indices = Avx512F.Shuffle4x128(halves.AsUInt64(), halves.AsUInt64(), 0b11_01_10_00);
            var values = Avx512BW.Shuffle(table, indices.AsSByte());
            var y8 = Vector512.LoadUnsafe(ref q8, (nuint)(64 * p));
            var signedY = Vector512.ConditionalSelect(Vector512.LessThan(values, Vector512<sbyte>.Zero), -y8, y8);
            var prod = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(values), signedY);
            return Avx512BW.MultiplyAddAdjacent(prod, scales);
        }
    }

    private static float DotAvx2(ref byte x, ref byte y, int blocks)
    {
        var table = Vector256.Create(Table128);
        var low4 = Vector128.Create((byte)0x0F);
        var acc = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockIQ4_XS.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            ulong scales = Scales(ref xb);
            ref byte qs = ref Unsafe.Add(ref xb, QsOffset);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            for (int ib = 0; ib < 8; ib += 2)
            {
                isum0 += SubBlock(ref qs, ref q8, ib, (sbyte)(scales >> (8 * ib)), table, low4);
                isum1 += SubBlock(ref qs, ref q8, ib + 1, (sbyte)(scales >> (8 * ib + 8)), table, low4);
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<int> SubBlock(ref byte qs, ref sbyte q8, int ib, sbyte scale, Vector256<sbyte> table, Vector128<byte> low4)
        {
            var q = Vector128.LoadUnsafe(ref qs, (nuint)(16 * ib));
            var indices = Vector256.Create(q & low4, Vector128.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & low4);
            var values = Avx2.Shuffle(table, indices.AsSByte());
            var y8 = Vector256.LoadUnsafe(ref q8, (nuint)(32 * ib));
            var prod = Avx2.MultiplyAddAdjacent(Avx2.Abs(values), Avx2.Sign(y8, values));
            return Avx2.MultiplyAddAdjacent(prod, Vector256.Create((short)scale));
        }
    }
}
