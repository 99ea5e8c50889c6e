using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Q6_K weights against Q8_K activations (ggml_vec_dot_q6_K_q8_K). The quants are used unsigned (0..63) in maddubs and
/// the −32 offset is taken back once per block as 32·Σ scale·bsum.
/// </summary>
public sealed class Q6_KKernel : KQuantKernel
{
    public static readonly Q6_KKernel Instance = new(KernelIsaSupport.Best);

    public Q6_KKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.Q6_K;

    protected override int BlockBytes => BlockQ6_K.ByteLength;

    private const int QhOffset = 128, ScalesOffset = 192, DOffset = 208;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q6_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => Q6_KReference.Dot(row, activation),
    };

    /// <summary>The 16 signed scales widened to 16-bit, and the offset term 32·scale[j]·bsums[j] in 8 lanes
    /// (integer, so it is subtracted exactly from the block's integer sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales(ref byte xb, ref byte yb, out Vector256<int> offsetTerm)
    {
        var sc = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref xb, ScalesOffset))));
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
        offsetTerm = Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(sc, bsums), 5);
        return sc;
    }

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var low4 = Vector512.Create((byte)0x0F);
        var low2 = Vector512.Create((byte)0x03);
        var idx0 = KQuantSimd.SpreadIndex16(0);
        var idx1 = KQuantSimd.SpreadIndex16(1);
        var idx2 = KQuantSimd.SpreadIndex16(2);
        var idx3 = KQuantSimd.SpreadIndex16(3);
        var acc = Vector512<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ6_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            var sc = Scales(ref xb, ref yb, out var offsetTerm).ToVector512();
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));

            var isum = Half(ref xb, 0, ref q8, Avx512BW.PermuteVar32x16(sc, idx0), Avx512BW.PermuteVar32x16(sc, idx1), low4, low2);
            isum += Half(ref xb, 1, ref Unsafe.Add(ref q8, 128), Avx512BW.PermuteVar32x16(sc, idx2), Avx512BW.PermuteVar32x16(sc, idx3), low4, low2);
            isum -= offsetTerm.ToVector512();
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc);

        // One half of a block: 64 bytes of ql give weights 0–63 (low nibbles: bytes 0–31 → 0–31, 32–63 → 32–63) and
        // 64–127 (high nibbles); qh's 2-bit fields 0, 1 top up weights 0–63, fields 2, 3 weights 64–127.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Half(ref byte xb, int h, ref sbyte q8, Vector512<short> scA, Vector512<short> scB, Vector512<byte> low4, Vector512<byte> low2)
        {
            var ql = Vector512.LoadUnsafe(ref xb, (nuint)(64 * h));
            var qh256 = Vector256.LoadUnsafe(ref xb, (nuint)(QhOffset + 32 * h));
            var qh = VectorJoin.Join(qh256, KQuantSimd.ShiftRightMask(qh256, 2, Vector256.Create((byte)0x3F)));
            var uA = (ql & low4) | Vector512.ShiftLeft((qh & low2).AsUInt16(), 4).AsByte();
            var uB = KQuantSimd.ShiftRightMask(ql, 4, low4) | Vector512.ShiftLeft(KQuantSimd.ShiftRightMask(qh, 4, low2).AsUInt16(), 4).AsByte();
            var pA = Avx512BW.MultiplyAddAdjacent(uA, Vector512.LoadUnsafe(ref q8, 0));
            var pB = Avx512BW.MultiplyAddAdjacent(uB, Vector512.LoadUnsafe(ref q8, 64));
            return Avx512BW.MultiplyAddAdjacent(pA, scA) + Avx512BW.MultiplyAddAdjacent(pB, scB);
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
        var low4 = Vector512.Create((byte)0x0F);
        var low2 = Vector512.Create((byte)0x03);
        var idx0 = KQuantSimd.SpreadIndex16(0);
        var idx1 = KQuantSimd.SpreadIndex16(1);
        var idx2 = KQuantSimd.SpreadIndex16(2);
        var idx3 = KQuantSimd.SpreadIndex16(3);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ6_K.ByteLength);
            float dx = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            var sc16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref xb, ScalesOffset))));
            var sc = sc16.ToVector512();
            var s0 = Avx512BW.PermuteVar32x16(sc, idx0);
            var s1 = Avx512BW.PermuteVar32x16(sc, idx1);
            var s2 = Avx512BW.PermuteVar32x16(sc, idx2);
            var s3 = Avx512BW.PermuteVar32x16(sc, idx3);
            Unpack(ref xb, 0, low4, low2, out var u0, out var u1);
            Unpack(ref xb, 1, low4, low2, out var u2, out var u3);
            int yOffset = i * BlockQ8_K.ByteLength;
            Token(ref Unsafe.Add(ref y0, yOffset), ref acc0, dx, sc16, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y1, yOffset), ref acc1, dx, sc16, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y2, yOffset), ref acc2, dx, sc16, u0, u1, u2, u3, s0, s1, s2, s3);
            Token(ref Unsafe.Add(ref y3, yOffset), ref acc3, dx, sc16, u0, u1, u2, u3, s0, s1, s2, s3);
        }
        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);

        // Half h of a block as unsigned 6-bit quants: weights 128h + 0..63 and 128h + 64..127 (see DotAvx512).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Unpack(ref byte xb, int h, Vector512<byte> low4, Vector512<byte> low2, out Vector512<byte> uA, out Vector512<byte> uB)
        {
            var ql = Vector512.LoadUnsafe(ref xb, (nuint)(64 * h));
            var qh256 = Vector256.LoadUnsafe(ref xb, (nuint)(QhOffset + 32 * h));
            var qh = VectorJoin.Join(qh256, KQuantSimd.ShiftRightMask(qh256, 2, Vector256.Create((byte)0x3F)));
            uA = (ql & low4) | Vector512.ShiftLeft((qh & low2).AsUInt16(), 4).AsByte();
            uB = KQuantSimd.ShiftRightMask(ql, 4, low4) | Vector512.ShiftLeft(KQuantSimd.ShiftRightMask(qh, 4, low2).AsUInt16(), 4).AsByte();
        }

        // The same operations, in the same order, as one block of DotAvx512, so results match it exactly.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Token(ref byte yb, ref Vector512<float> acc, float dx, Vector256<short> sc16,
            Vector512<byte> u0, Vector512<byte> u1, Vector512<byte> u2, Vector512<byte> u3,
            Vector512<short> s0, Vector512<short> s1, Vector512<short> s2, Vector512<short> s3)
        {
            float d = Unsafe.ReadUnaligned<float>(ref yb) * dx;
            var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
            var offsetTerm = Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(sc16, bsums), 5);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u0, Vector512.LoadUnsafe(ref q8, 0)), s0)
                + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u1, Vector512.LoadUnsafe(ref q8, 64)), s1);
            isum += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u2, Vector512.LoadUnsafe(ref q8, 128)), s2)
                + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u3, Vector512.LoadUnsafe(ref q8, 192)), s3);
            isum -= offsetTerm.ToVector512();
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
    }

    /// <summary>
    /// Four tokens per weight row on AVX2 (prefill): each block is unpacked once into <see cref="KQuantSimd.UnpackedBlock"/>
    /// (lanes 0-7 the 6-bit quants of both halves, 8-15 their scale pairs, 16 the scales for the offset term), then each
    /// token runs the operations of one <see cref="DotAvx2"/> block, so results match it bit for bit.
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
        var low2 = Vector256.Create((byte)0x03);
        Unsafe.SkipInit(out KQuantSimd.UnpackedBlock unpacked);
        ref Vector256<byte> u = ref unpacked[0];
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ6_K.ByteLength);
            float dx = KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            ref sbyte scales = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref xb, ScalesOffset));
            Unsafe.Add(ref u, 16) = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref scales)).AsByte();
            Unpack(ref u, ref xb, ref scales, 0, low4, low2);
            Unpack(ref u, ref xb, ref scales, 1, low4, low2);
            int yOffset = i * BlockQ8_K.ByteLength;
            Token(ref u, ref Unsafe.Add(ref y0, yOffset), dx, ref acc0);
            Token(ref u, ref Unsafe.Add(ref y1, yOffset), dx, ref acc1);
            Token(ref u, ref Unsafe.Add(ref y2, yOffset), dx, ref acc2);
            Token(ref u, ref Unsafe.Add(ref y3, yOffset), dx, ref acc3);
        }
        results[0] = Vector256.Sum(acc0);
        results[1] = Vector256.Sum(acc1);
        results[2] = Vector256.Sum(acc2);
        results[3] = Vector256.Sum(acc3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Token(ref Vector256<byte> u, ref byte yb, float dx, ref Vector256<float> acc)
        {
            float d = Unsafe.ReadUnaligned<float>(ref yb) * dx;
            var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
            var offsetTerm = Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 16).AsInt16(), bsums), 5);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            TokenHalf(ref u, ref q8, 0, ref isum0, ref isum1);
            TokenHalf(ref u, ref q8, 1, ref isum0, ref isum1);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1 - offsetTerm), Vector256.Create(d), acc);
        }

        // Halves by constant index (not a loop): the JIT does not unroll, and a loop's index arithmetic cost about
        // as many instructions as the vector work.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Unpack(ref Vector256<byte> u, ref byte xb, ref sbyte scales, int h, Vector256<byte> low4, Vector256<byte> low2)
        {
            var ql0 = Vector256.LoadUnsafe(ref xb, (nuint)(64 * h));
            var ql1 = Vector256.LoadUnsafe(ref xb, (nuint)(64 * h + 32));
            var qh = Vector256.LoadUnsafe(ref xb, (nuint)(QhOffset + 32 * h));
            Unsafe.Add(ref u, 4 * h) = (ql0 & low4) | High(qh, 0, low2);
            Unsafe.Add(ref u, 4 * h + 1) = (ql1 & low4) | High(qh, 2, low2);
            Unsafe.Add(ref u, 4 * h + 2) = KQuantSimd.ShiftRightMask(ql0, 4, low4) | High(qh, 4, low2);
            Unsafe.Add(ref u, 4 * h + 3) = KQuantSimd.ShiftRightMask(ql1, 4, low4) | High(qh, 6, low2);
            ref sbyte s = ref Unsafe.Add(ref scales, 8 * h);
            Unsafe.Add(ref u, 8 + 4 * h) = Pair(ref s, 0).AsByte();
            Unsafe.Add(ref u, 8 + 4 * h + 1) = Pair(ref s, 2).AsByte();
            Unsafe.Add(ref u, 8 + 4 * h + 2) = Pair(ref s, 4).AsByte();
            Unsafe.Add(ref u, 8 + 4 * h + 3) = Pair(ref s, 6).AsByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void TokenHalf(ref Vector256<byte> u, ref sbyte q8, int h, ref Vector256<int> isum0, ref Vector256<int> isum1)
        {
            ref sbyte y8 = ref Unsafe.Add(ref q8, 128 * h);
            isum0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 4 * h), Vector256.LoadUnsafe(ref y8, 0)), Unsafe.Add(ref u, 8 + 4 * h).AsInt16());
            isum1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 4 * h + 1), Vector256.LoadUnsafe(ref y8, 32)), Unsafe.Add(ref u, 8 + 4 * h + 1).AsInt16());
            isum0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 4 * h + 2), Vector256.LoadUnsafe(ref y8, 64)), Unsafe.Add(ref u, 8 + 4 * h + 2).AsInt16());
            isum1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Unsafe.Add(ref u, 4 * h + 3), Vector256.LoadUnsafe(ref y8, 96)), Unsafe.Add(ref u, 8 + 4 * h + 3).AsInt16());
        }
    }

    private static float DotAvx2(ref byte x, ref byte y, int blocks)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var low2 = Vector256.Create((byte)0x03);
        var acc = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ6_K.ByteLength);
            WeightPrefetch.Ahead(ref xb, BlockQ6_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            Scales(ref xb, ref yb, out var offsetTerm);
            ref sbyte scales = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref xb, ScalesOffset));
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            Half(ref xb, ref q8, ref scales, 0, low4, low2, ref isum0, ref isum1);
            Half(ref xb, ref q8, ref scales, 1, low4, low2, ref isum0, ref isum1);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1 - offsetTerm), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);

        // One half of the block, by constant index (the JIT does not unroll loops).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Half(ref byte xb, ref sbyte q8, ref sbyte scales, int h, Vector256<byte> low4, Vector256<byte> low2,
            ref Vector256<int> isum0, ref Vector256<int> isum1)
        {
            var ql0 = Vector256.LoadUnsafe(ref xb, (nuint)(64 * h));
            var ql1 = Vector256.LoadUnsafe(ref xb, (nuint)(64 * h + 32));
            var qh = Vector256.LoadUnsafe(ref xb, (nuint)(QhOffset + 32 * h));
            // Weights 32q + l (q = 0..3) of this half: nibble from ql0/ql1, top bits from qh field q.
            var u0 = (ql0 & low4) | High(qh, 0, low2);
            var u1 = (ql1 & low4) | High(qh, 2, low2);
            var u2 = KQuantSimd.ShiftRightMask(ql0, 4, low4) | High(qh, 4, low2);
            var u3 = KQuantSimd.ShiftRightMask(ql1, 4, low4) | High(qh, 6, low2);
            ref sbyte y8 = ref Unsafe.Add(ref q8, 128 * h);
            ref sbyte s = ref Unsafe.Add(ref scales, 8 * h);
            isum0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u0, Vector256.LoadUnsafe(ref y8, 0)), Pair(ref s, 0));
            isum1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u1, Vector256.LoadUnsafe(ref y8, 32)), Pair(ref s, 2));
            isum0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u2, Vector256.LoadUnsafe(ref y8, 64)), Pair(ref s, 4));
            isum1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u3, Vector256.LoadUnsafe(ref y8, 96)), Pair(ref s, 6));
        }
    }

    /// <summary>The 2-bit field at bit <paramref name="shift"/> of each byte of <paramref name="qh"/>, moved to bits 4-5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> High(Vector256<byte> qh, int shift, Vector256<byte> low2) =>
        Vector256.ShiftLeft(KQuantSimd.ShiftRightMask(qh, shift, low2).AsUInt16(), 4).AsByte();

    /// <summary>Scales of two consecutive 16-weight sub-blocks, each over 8 madd lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pair(ref sbyte s, int j) =>
        Vector256.Create(Vector128.Create((short)Unsafe.Add(ref s, j)), Vector128.Create((short)Unsafe.Add(ref s, j + 1)));
}
