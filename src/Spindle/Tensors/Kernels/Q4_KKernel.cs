using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q4_K weights against Q8_K activations (ggml_vec_dot_q4_K_q8_K).</summary>
public sealed partial class Q4_KKernel : KQuantKernel
{
    public static readonly Q4_KKernel Instance = new(KernelIsaSupport.Best);

    public Q4_KKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.Q4_K;

    protected override int BlockBytes => BlockQ4_K.ByteLength;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q4_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => Q4_KReference.Dot(row, activation),
    };

    /// <summary>Σ mins[j]·(bsums[2j] + bsums[2j+1]), the min term of one block from the 16 precomputed Q8_K sums, in 8 lanes
    /// (summed once per row, not per block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MinTerm(ulong mins, ref byte yBlock)
    {
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yBlock, BlockQ8_K.BSumsOffset)));
        var m = Vector128.CreateScalar(mins).AsByte();
        // Each min covers two bsums: duplicate every byte, then widen to 16-bit.
        var pairs = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(m, m));
        return Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(bsums, pairs));
    }

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var idx0 = KQuantSimd.SpreadIndex32(0);
        var idx1 = KQuantSimd.SpreadIndex32(1);
        var idx2 = KQuantSimd.SpreadIndex32(2);
        var idx3 = KQuantSimd.SpreadIndex32(3);
        var acc = Vector512<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ4_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(dmin), accMin);

            var sc = Avx512BW.ConvertToVector512Int16(Vector256.CreateScalar(scales).AsByte());
            ref byte qs = ref Unsafe.Add(ref xb, 16);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));

            // Chunk c: 32 bytes of nibbles = 64 weights (low nibbles first), against 64 contiguous Q8 values.
            var isum = Chunk(Vector256.LoadUnsafe(ref qs, 0), Vector512.LoadUnsafe(ref q8, 0), Avx512BW.PermuteVar32x16(sc, idx0), low4);
            isum += Chunk(Vector256.LoadUnsafe(ref qs, 32), Vector512.LoadUnsafe(ref q8, 64), Avx512BW.PermuteVar32x16(sc, idx1), low4);
            isum += Chunk(Vector256.LoadUnsafe(ref qs, 64), Vector512.LoadUnsafe(ref q8, 128), Avx512BW.PermuteVar32x16(sc, idx2), low4);
            isum += Chunk(Vector256.LoadUnsafe(ref qs, 96), Vector512.LoadUnsafe(ref q8, 192), Avx512BW.PermuteVar32x16(sc, idx3), low4);
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc) - Vector256.Sum(accMin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Chunk(Vector256<byte> q, Vector512<sbyte> q8, Vector512<short> scales, Vector256<byte> low4)
        {
            var u = VectorJoin.Join(q & low4, KQuantSimd.ShiftRightMask(q, 4, low4));
            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, q8), scales);
        }
    }

    private protected override bool HasFourTokenPath(KernelIsa isa) => isa != KernelIsa.Scalar;

    private protected override void DotBlocks4(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activations, int activationBytes,
        int blocks, KernelIsa isa, Span<float> results)
    {
        if (isa == KernelIsa.Avx512) DotBlocks4Avx512(row, activations, activationBytes, blocks, results);
        else DotBlocks4Avx2(row, activations, activationBytes, blocks, results);
    }

    private static void DotBlocks4Avx512(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activations, int activationBytes,
        int blocks, Span<float> results)
    {
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte y0 = ref MemoryMarshal.GetReference(activations);
        ref byte y1 = ref Unsafe.Add(ref y0, activationBytes);
        ref byte y2 = ref Unsafe.Add(ref y1, activationBytes);
        ref byte y3 = ref Unsafe.Add(ref y2, activationBytes);
        var low4 = Vector256.Create((byte)0x0F);
        var idx0 = KQuantSimd.SpreadIndex32(0);
        var idx1 = KQuantSimd.SpreadIndex32(1);
        var idx2 = KQuantSimd.SpreadIndex32(2);
        var idx3 = KQuantSimd.SpreadIndex32(3);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<float> min0 = default, min1 = default, min2 = default, min3 = default;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ4_K.ByteLength);
            float d = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            var sc = Avx512BW.ConvertToVector512Int16(Vector256.CreateScalar(scales).AsByte());
            var s0 = Avx512BW.PermuteVar32x16(sc, idx0);
            var s1 = Avx512BW.PermuteVar32x16(sc, idx1);
            var s2 = Avx512BW.PermuteVar32x16(sc, idx2);
            var s3 = Avx512BW.PermuteVar32x16(sc, idx3);
            ref byte qs = ref Unsafe.Add(ref xb, 16);
            var u0 = Unpack(Vector256.LoadUnsafe(ref qs, 0), low4);
            var u1 = Unpack(Vector256.LoadUnsafe(ref qs, 32), low4);
            var u2 = Unpack(Vector256.LoadUnsafe(ref qs, 64), low4);
            var u3 = Unpack(Vector256.LoadUnsafe(ref qs, 96), low4);
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
        static Vector512<byte> Unpack(Vector256<byte> q, Vector256<byte> low4) =>
            VectorJoin.Join(q & low4, KQuantSimd.ShiftRightMask(q, 4, low4));

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
        var acc = Vector256<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ4_K.ByteLength);
            WeightPrefetch.Ahead(ref xb, BlockQ4_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(dmin), accMin);

            ref byte qs = ref Unsafe.Add(ref xb, 16);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            // Chunks by constant index (not a loop): the JIT does not unroll, and a loop's index arithmetic cost
            // more instructions than the vector work.
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            Chunk(ref qs, ref q8, scales, 0, low4, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, scales, 1, low4, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, scales, 2, low4, ref isum0, ref isum1);
            Chunk(ref qs, ref q8, scales, 3, low4, ref isum0, ref isum1);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc - accMin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Chunk(ref byte qs, ref sbyte q8, ulong scales, int c, Vector256<byte> low4, ref Vector256<int> isum0, ref Vector256<int> isum1)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
            var p0 = Avx2.MultiplyAddAdjacent(q & low4, Vector256.LoadUnsafe(ref q8, (nuint)(64 * c)));
            var p1 = Avx2.MultiplyAddAdjacent(KQuantSimd.ShiftRightMask(q, 4, low4), Vector256.LoadUnsafe(ref q8, (nuint)(64 * c + 32)));
            isum0 += Avx2.MultiplyAddAdjacent(p0, Vector256.Create((short)(byte)(scales >> (16 * c))));
            isum1 += Avx2.MultiplyAddAdjacent(p1, Vector256.Create((short)(byte)(scales >> (16 * c + 8))));
        }
    }

    /// <summary>
    /// Four tokens per weight row on AVX2 (prefill): each block is unpacked once into <see cref="KQuantSimd.UnpackedBlock"/>
    /// (lanes 0-7 the low and high nibbles of chunks 0-3, lanes 8-15 their scales), then each token runs the operations
    /// of one <see cref="DotAvx2"/> block in the same order, so results match it bit for bit.
    /// </summary>
    [SkipLocalsInit]
    private static void DotBlocks4Avx2(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activations, int activationBytes,
        int blocks, Span<float> results)
    {
        ref byte x = ref MemoryMarshal.GetReference(row);
        ref byte y0 = ref MemoryMarshal.GetReference(activations);
        ref byte y1 = ref Unsafe.Add(ref y0, activationBytes);
        ref byte y2 = ref Unsafe.Add(ref y1, activationBytes);
        ref byte y3 = ref Unsafe.Add(ref y2, activationBytes);
        var low4 = Vector256.Create((byte)0x0F);
        Unsafe.SkipInit(out KQuantSimd.UnpackedBlock unpacked);
        ref Vector256<byte> u = ref unpacked[0];
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<float> min0 = default, min1 = default, min2 = default, min3 = default;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ4_K.ByteLength);
            float dx = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref xb));
            float dminx = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, 2)));
            KQuantMath.UnpackScalesMinsK4(ref Unsafe.Add(ref xb, 4), out ulong scales, out ulong mins);
            ref byte qs = ref Unsafe.Add(ref xb, 16);
            Unpack(ref u, ref qs, scales, 0, low4);
            Unpack(ref u, ref qs, scales, 1, low4);
            Unpack(ref u, ref qs, scales, 2, low4);
            Unpack(ref u, ref qs, scales, 3, low4);
            int yOffset = i * BlockQ8_K.ByteLength;
            Token(ref u, ref Unsafe.Add(ref y0, yOffset), dx, dminx, mins, ref acc0, ref min0);
            Token(ref u, ref Unsafe.Add(ref y1, yOffset), dx, dminx, mins, ref acc1, ref min1);
            Token(ref u, ref Unsafe.Add(ref y2, yOffset), dx, dminx, mins, ref acc2, ref min2);
            Token(ref u, ref Unsafe.Add(ref y3, yOffset), dx, dminx, mins, ref acc3, ref min3);
        }
        results[0] = Vector256.Sum(acc0 - min0);
        results[1] = Vector256.Sum(acc1 - min1);
        results[2] = Vector256.Sum(acc2 - min2);
        results[3] = Vector256.Sum(acc3 - min3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Token(ref Vector256<byte> u, ref byte yb, float dx, float dminx, ulong mins,
            ref Vector256<float> acc, ref Vector256<float> accMin)
        {
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            accMin = Fma.MultiplyAdd(MinTerm(mins, ref yb), Vector256.Create(yd * dminx), accMin);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            Chunk(ref u, ref q8, 0, ref isum0, ref isum1);
            Chunk(ref u, ref q8, 1, ref isum0, ref isum1);
            Chunk(ref u, ref q8, 2, ref isum0, ref isum1);
            Chunk(ref u, ref q8, 3, ref isum0, ref isum1);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(yd * dx), acc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Unpack(ref Vector256<byte> u, ref byte qs, ulong scales, int c, Vector256<byte> low4)
        {
            var q = Vector256.LoadUnsafe(ref qs, (nuint)(32 * c));
            Unsafe.Add(ref u, 2 * c) = q & low4;
            Unsafe.Add(ref u, 2 * c + 1) = KQuantSimd.ShiftRightMask(q, 4, low4);
            Unsafe.Add(ref u, 8 + 2 * c) = Vector256.Create((short)(byte)(scales >> (16 * c))).AsByte();
            Unsafe.Add(ref u, 8 + 2 * c + 1) = Vector256.Create((short)(byte)(scales >> (16 * c + 8))).AsByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Chunk(ref Vector256<byte> u, ref sbyte q8, int c, ref Vector256<int> isum0, ref Vector256<int> isum1)
        {
            var p0 = Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 2 * c), Vector256.LoadUnsafe(ref q8, (nuint)(64 * c)));
            var p1 = Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 2 * c + 1), Vector256.LoadUnsafe(ref q8, (nuint)(64 * c + 32)));
            isum0 += Avx2.MultiplyAddAdjacent(p0, Unsafe.Add(ref u, 8 + 2 * c).AsInt16());
            isum1 += Avx2.MultiplyAddAdjacent(p1, Unsafe.Add(ref u, 8 + 2 * c + 1).AsInt16());
        }
    }
}
