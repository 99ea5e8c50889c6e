using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q5_K weights against Q8_K activations (ggml_vec_dot_q5_K_q8_K): Q4_K's scheme with a fifth bit from qh.</summary>
public sealed class Q5_KKernel : KQuantKernel
{
    public static readonly Q5_KKernel Instance = new(KernelIsaSupport.Best);

    public Q5_KKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.Q5_K;

    protected override int BlockBytes => BlockQ5_K.ByteLength;

    private const int QhOffset = 16, QsOffset = 48;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q5_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
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
            var p = Avx512BW.MultiplyAddAdjacent(VectorJoin.Join(lo, hi), Vector512.LoadUnsafe(ref q8, (nuint)(64 * c)));
            return Avx512BW.MultiplyAddAdjacent(p, scales);
        }
    }

    private protected override bool HasFourTokenPath(KernelIsa isa) => isa == KernelIsa.Avx512;

    private protected override void DotBlocks4(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activations, int activationBytes,
        int blocks, KernelIsa isa, Span<float> results)
    {
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte y0 = ref MemoryMarshal.GetReference(activations);
        ref byte y1 = ref Unsafe.Add(ref y0, activationBytes);
        ref byte y2 = ref Unsafe.Add(ref y1, activationBytes);
        ref byte y3 = ref Unsafe.Add(ref y2, activationBytes);
        var low4 = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var idx0 = KQuantSimd.SpreadIndex32(0);
        var idx1 = KQuantSimd.SpreadIndex32(1);
        var idx2 = KQuantSimd.SpreadIndex32(2);
        var idx3 = KQuantSimd.SpreadIndex32(3);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<float> min0 = default, min1 = default, min2 = default, min3 = default;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ5_K.ByteLength);
            float d = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            var sc = Avx512BW.ConvertToVector512Int16(Vector256.CreateScalar(scales).AsByte());
            var s0 = Avx512BW.PermuteVar32x16(sc, idx0);
            var s1 = Avx512BW.PermuteVar32x16(sc, idx1);
            var s2 = Avx512BW.PermuteVar32x16(sc, idx2);
            var s3 = Avx512BW.PermuteVar32x16(sc, idx3);
            var qh = Vector256.LoadUnsafe(ref xb, QhOffset);
            ref byte qs = ref Unsafe.Add(ref xb, QsOffset);
            var u0 = Unpack(ref qs, qh, 0, low4, one);
            var u1 = Unpack(ref qs, qh, 1, low4, one);
            var u2 = Unpack(ref qs, qh, 2, low4, one);
            var u3 = Unpack(ref qs, qh, 3, low4, one);
            int yOffset = i * BlockQ8_K.ByteLength;
            Token(ref Unsafe.Add(ref y0, yOffset), ref acc0, ref min0, d, dmin, mins, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y1, yOffset), ref acc1, ref min1, d, dmin, mins, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y2, yOffset), ref acc2, ref min2, d, dmin, mins, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y3, yOffset), ref acc3, ref min3, d, dmin, mins, u0, u1, u2, u3, s0, s1, s2, s3);
        }
        results[0] = Vector512.Sum(acc0) - Vector256.Sum(min0);
        results[1] = Vector512.Sum(acc1) - Vector256.Sum(min1);
        results[2] = Vector512.Sum(acc2) - Vector256.Sum(min2);
        results[3] = Vector512.Sum(acc3) - Vector256.Sum(min3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<byte> Unpack(ref byte qs, Vector256<byte> qh, int c, Vector256<byte> low4, Vector256<byte> one)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
            return Vector512.Create((q & low4) | Bit5(qh, 2 * c, one), KQuantSimd.ShiftRightMask(q, 4, low4) | Bit5(qh, 2 * c + 1, one));
        }

        // The same operations, in the same order, as one block of DotAvx512, so results match it exactly.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Token(ref byte yb, ref Vector512<float> acc, ref Vector256<float> accMin, float d, float dmin, ulong mins,
            Vector512<byte> u0, Vector512<byte> u1, Vector512<byte> u2, Vector512<byte> u3,
            Vector512<short> s0, Vector512<short> s1, Vector512<short> s2, Vector512<short> s3)
        {
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(yd * dmin), accMin);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u0, Vector512.LoadUnsafe(ref q8, 0)), s0);
            isum += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u1, Vector512.LoadUnsafe(ref q8, 64)), s1);
            isum += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u2, Vector512.LoadUnsafe(ref q8, 128)), s2);
            isum += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u3, Vector512.LoadUnsafe(ref q8, 192)), s3);
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(yd * d), acc);
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
            WeightPrefetch.Ahead(ref xb, BlockQ5_K.ByteLength);
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
            Chunk(ref qs, ref q8, qh, scales, 0, low4, one, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, qh, scales, 1, low4, one, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, qh, scales, 2, low4, one, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, qh, scales, 3, low4, one, ref isum0, ref isum1);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc - accMin);

        // Chunk c by constant index: the JIT does not unroll loops, and the index arithmetic outweighed the vector work.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Chunk(ref byte qs, ref sbyte q8, Vector256<byte> qh, ulong scales, int c, Vector256<byte> low4, Vector256<byte> one,
            ref Vector256<int> isum0, ref Vector256<int> isum1)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
            var lo = (q & low4) | Bit5(qh, 2 * c, one);
            var hi = KQuantSimd.ShiftRightMask(q, 4, low4) | Bit5(qh, 2 * c + 1, one);
            var p0 = Avx2.MultiplyAddAdjacent(lo, Vector256.LoadUnsafe(ref q8, (nuint)(64 * c)));
            var p1 = Avx2.MultiplyAddAdjacent(hi, Vector256.LoadUnsafe(ref q8, (nuint)(64 * c + 32)));
            isum0 += Avx2.MultiplyAddAdjacent(p0, Vector256.Create((short)(byte)(scales >> (16 * c))));
            isum1 += Avx2.MultiplyAddAdjacent(p1, Vector256.Create((short)(byte)(scales >> (16 * c + 8))));
        }
    }
}
