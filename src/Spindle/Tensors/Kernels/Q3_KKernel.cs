using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Q3_K weights against Q8_K activations (ggml_vec_dot_q3_K_q8_K). Each quant is used unsigned as low2 | high·4
/// (0..7) and the −4 offset comes back as 4·Σ scale·bsum.
/// </summary>
public sealed class Q3_KKernel : KQuantKernel
{
    public static readonly Q3_KKernel Instance = new(KernelIsaSupport.Best);

    public Q3_KKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.Q3_K;

    protected override int BlockBytes => BlockQ3_K.ByteLength;

    private const int QsOffset = 32, ScalesOffset = 96, DOffset = 108;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q3_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => Q3_KReference.Dot(row, activation),
    };

    /// <summary>The 16 scales (minus 32) as 16-bit lanes, via ggml's kmask shuffle of the 12 packed bytes; and
    /// the offset term 4·scale·bsum in 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales(ref byte xb, ref byte yb, out Vector256<int> offsetTerm)
    {
        const uint kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
        ref byte p = ref Unsafe.Add(ref xb, ScalesOffset);
        uint a0 = Unsafe.ReadUnaligned<uint>(ref p);
        uint a1 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, 4));
        uint tmp = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, 8));
        uint s2 = ((a0 >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
        uint s3 = ((a1 >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
        uint s0 = (a0 & kmask2) | ((tmp & kmask1) << 4);
        uint s1 = (a1 & kmask2) | (((tmp >> 2) & kmask1) << 4);
        var sc = Avx2.ConvertToVector256Int16(Vector128.Create(s0, s1, s2, s3).AsByte()) - Vector256.Create((short)32);
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
        offsetTerm = Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(sc, bsums), 2);
        return sc;
    }

    /// <summary>Unsigned quants of weights 128n + 32j + (0..31): 2 bits from qs, the hmask bit 4n + j as value 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Quants(Vector256<byte> q, Vector256<byte> hm, int n, int j, Vector256<byte> low2, Vector256<byte> one) =>
        KQuantSimd.ShiftRightMask(q, 2 * j, low2)
        | Vector256.ShiftLeft(KQuantSimd.ShiftRightMask(hm, 4 * n + j, one).AsUInt16(), 2).AsByte();

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var low2 = Vector256.Create((byte)3);
        var one = Vector256.Create((byte)1);
        var idx0 = KQuantSimd.SpreadIndex16(0);
        var idx1 = KQuantSimd.SpreadIndex16(1);
        var idx2 = KQuantSimd.SpreadIndex16(2);
        var idx3 = KQuantSimd.SpreadIndex16(3);
        var acc = Vector512<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ3_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            var sc = Scales(ref xb, ref yb, out var offsetTerm).ToVector512();
            var hm = Vector256.LoadUnsafe(ref xb);
            var q0 = Vector256.LoadUnsafe(ref xb, QsOffset);
            var q1 = Vector256.LoadUnsafe(ref xb, QsOffset + 32);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum = Chunk(Quants(q0, hm, 0, 0, low2, one), Quants(q0, hm, 0, 1, low2, one), ref q8, 0, Avx512BW.PermuteVar32x16(sc, idx0));
            isum += Chunk(Quants(q0, hm, 0, 2, low2, one), Quants(q0, hm, 0, 3, low2, one), ref q8, 1, Avx512BW.PermuteVar32x16(sc, idx1));
            isum += Chunk(Quants(q1, hm, 1, 0, low2, one), Quants(q1, hm, 1, 1, low2, one), ref q8, 2, Avx512BW.PermuteVar32x16(sc, idx2));
            isum += Chunk(Quants(q1, hm, 1, 2, low2, one), Quants(q1, hm, 1, 3, low2, one), ref q8, 3, Avx512BW.PermuteVar32x16(sc, idx3));
            isum -= offsetTerm.ToVector512();
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Chunk(Vector256<byte> a, Vector256<byte> b, ref sbyte q8, int c, Vector512<short> scales) =>
            Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(VectorJoin.Join(a, b), Vector512.LoadUnsafe(ref q8, (nuint)(64 * c))), scales);
    }

    private static float DotAvx2(ref byte x, ref byte y, int blocks)
    {
        var low2 = Vector256.Create((byte)3);
        var one = Vector256.Create((byte)1);
        var acc = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ3_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float d = Unsafe.ReadUnaligned<float>(ref yb) * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            var sc = Scales(ref xb, ref yb, out var offsetTerm);
            var hm = Vector256.LoadUnsafe(ref xb);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            for (int n = 0; n < 2; n++)
            {
                var q = Vector256.LoadUnsafe(ref xb, (nuint)(QsOffset + 32 * n));
                for (int j = 0; j < 4; j += 2)
                {
                    int s = 8 * n + 2 * j;
                    var p0 = Avx2.MultiplyAddAdjacent(Quants(q, hm, n, j, low2, one), Vector256.LoadUnsafe(ref q8, (nuint)(128 * n + 32 * j)));
                    var p1 = Avx2.MultiplyAddAdjacent(Quants(q, hm, n, j + 1, low2, one), Vector256.LoadUnsafe(ref q8, (nuint)(128 * n + 32 * j + 32)));
                    isum0 += Avx2.MultiplyAddAdjacent(p0, Pair(sc, s));
                    isum1 += Avx2.MultiplyAddAdjacent(p1, Pair(sc, s + 2));
                }
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1 - offsetTerm), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<short> Pair(Vector256<short> sc, int s) =>
            Vector256.Create(Vector128.Create(sc.GetElement(s)), Vector128.Create(sc.GetElement(s + 1)));
    }
}
