using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors;

/// <summary>Q5_K weights against Q8_K activations (ggml_vec_dot_q5_K_q8_K): Q4_K's scheme with a fifth bit from qh.</summary>
public sealed class Q5_KKernel : KQuantKernel
{
    public static readonly Q5_KKernel Instance = new();

    public override GgmlType Type => GgmlType.Q5_K;

    protected override int BlockBytes => BlockQ5_K.ByteLength;

    private const int QhOffset = 16, QsOffset = 48;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q5_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KQuantIsa isa) => isa switch
    {
        KQuantIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KQuantIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => Q5_KReference.Dot(row, activation),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MinTerm(ulong mins, ref byte yBlock)
    {
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yBlock, BlockQ8_K.BSumsOffset)));
        var m = Vector128.CreateScalar(mins).AsByte();
        return Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(bsums, Avx2.ConvertToVector256Int16(Sse2.UnpackLow(m, m))));
    }

    /// <summary>Fifth bit of the 32 weights whose bit lives at position <paramref name="bit"/> of qh, as 0 or 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Bit5(Vector256<byte> qh, int bit, Vector256<byte> one) =>
        Vector256.ShiftLeft(KQuantSimd.ShiftRightMask(qh, bit, one).AsUInt16(), 4).AsByte();

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var idx0 = KQuantSimd.SpreadIndex32(0);
        var idx1 = KQuantSimd.SpreadIndex32(1);
        var idx2 = KQuantSimd.SpreadIndex32(2);
        var idx3 = KQuantSimd.SpreadIndex32(3);
        var acc = Vector512<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ5_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(dmin), accMin);

            var sc = Avx512BW.ConvertToVector512Int16(Vector256.CreateScalar(scales).AsByte());
            var qh = Vector256.LoadUnsafe(ref xb, QhOffset);
            ref byte qs = ref Unsafe.Add(ref xb, QsOffset);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum = Chunk(ref qs, qh, 0, ref q8, Avx512BW.PermuteVar32x16(sc, idx0), low4, one);
            isum += Chunk(ref qs, qh, 1, ref q8, Avx512BW.PermuteVar32x16(sc, idx1), low4, one);
            isum += Chunk(ref qs, qh, 2, ref q8, Avx512BW.PermuteVar32x16(sc, idx2), low4, one);
            isum += Chunk(ref qs, qh, 3, ref q8, Avx512BW.PermuteVar32x16(sc, idx3), low4, one);
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc) - Vector256.Sum(accMin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Chunk(ref byte qs, Vector256<byte> qh, int c, ref sbyte q8, Vector512<short> scales, Vector256<byte> low4, Vector256<byte> one)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
            var lo = (q & low4) | Bit5(qh, 2 * c, one);
            var hi = KQuantSimd.ShiftRightMask(q, 4, low4) | Bit5(qh, 2 * c + 1, one);
            var p = Avx512BW.MultiplyAddAdjacent(Vector512.Create(lo, hi), Vector512.LoadUnsafe(ref q8, (nuint)(64 * c)));
            return Avx512BW.MultiplyAddAdjacent(p, scales);
        }
    }

    private static float DotAvx2(ref byte x, ref byte y, int blocks)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var acc = Vector256<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ5_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(dmin), accMin);

            var qh = Vector256.LoadUnsafe(ref xb, QhOffset);
            ref byte qs = ref Unsafe.Add(ref xb, QsOffset);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            for (int c = 0; c < 4; c++)
            {
                var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
                var lo = (q & low4) | Bit5(qh, 2 * c, one);
                var hi = KQuantSimd.ShiftRightMask(q, 4, low4) | Bit5(qh, 2 * c + 1, one);
                var p0 = Avx2.MultiplyAddAdjacent(lo, Vector256.LoadUnsafe(ref q8, (nuint)(64 * c)));
                var p1 = Avx2.MultiplyAddAdjacent(hi, Vector256.LoadUnsafe(ref q8, (nuint)(64 * c + 32)));
                isum0 += Avx2.MultiplyAddAdjacent(p0, Vector256.Create((short)(byte)(scales >> (16 * c))));
                isum1 += Avx2.MultiplyAddAdjacent(p1, Vector256.Create((short)(byte)(scales >> (16 * c + 8))));
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc - accMin);
    }
}
