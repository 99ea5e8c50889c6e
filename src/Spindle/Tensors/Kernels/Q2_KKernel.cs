using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q2_K weights against Q8_K activations (ggml_vec_dot_q2_K_q8_K); mins go through the Q8_K bsums.</summary>
public sealed class Q2_KKernel : KQuantKernel
{
    public static readonly Q2_KKernel Instance = new(KernelIsaSupport.Best);

    public Q2_KKernel(KernelIsa isa)
        : base(isa)
    {
    }

    public override GgmlType Type => GgmlType.Q2_K;

    protected override int BlockBytes => BlockQ2_K.ByteLength;

    private const int QsOffset = 16, DOffset = 80, DMinOffset = 82;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) => Q2_KReference.Dequantize(row, destination);

    private protected override float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa) => isa switch
    {
        KernelIsa.Avx512 => DotAvx512(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        KernelIsa.Avx2 => DotAvx2(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(activation), blocks),
        _ => Q2_KReference.Dot(row, activation),
    };

    /// <summary>The 16 4-bit scales as 16-bit lanes; <paramref name="minTerm"/> = Σ min·bsum in 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Scales(ref byte xb, ref byte yb, out Vector256<float> minTerm)
    {
        var packed = Vector128.LoadUnsafe(ref xb);
        var low4 = Vector128.Create((byte)0x0F);
        var sc = Avx2.ConvertToVector256Int16(packed & low4);
        var mins = Avx2.ConvertToVector256Int16(Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4);
        var bsums = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, BlockQ8_K.BSumsOffset)));
        minTerm = Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(mins, bsums));
        return sc;
    }

    private static float DotAvx512(ref byte x, ref byte y, int blocks)
    {
        var low2 = Vector256.Create((byte)3);
        var idx0 = KQuantSimd.SpreadIndex16(0);
        var idx1 = KQuantSimd.SpreadIndex16(1);
        var idx2 = KQuantSimd.SpreadIndex16(2);
        var idx3 = KQuantSimd.SpreadIndex16(3);
        var acc = Vector512<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ2_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DMinOffset)));
            var sc = Scales(ref xb, ref yb, out var minTerm).ToVector512();
            accMin = Fma.MultiplyAdd(minTerm, Vector256.Create(dmin), accMin);
            var q0 = Vector256.LoadUnsafe(ref xb, QsOffset);
            var q1 = Vector256.LoadUnsafe(ref xb, QsOffset + 32);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            // Weights 128n + 32j + l sit at bits 2j of byte l of the n-th 32-byte run.
            var isum = Chunk(q0, 0, ref q8, 0, Avx512BW.PermuteVar32x16(sc, idx0), low2);
            isum += Chunk(q0, 4, ref q8, 1, Avx512BW.PermuteVar32x16(sc, idx1), low2);
            isum += Chunk(q1, 0, ref q8, 2, Avx512BW.PermuteVar32x16(sc, idx2), low2);
            isum += Chunk(q1, 4, ref q8, 3, Avx512BW.PermuteVar32x16(sc, idx3), low2);
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(isum), Vector512.Create(d), acc);
        }
        return Vector512.Sum(acc) - Vector256.Sum(accMin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<int> Chunk(Vector256<byte> q, int shift, ref sbyte q8, int c, Vector512<short> scales, Vector256<byte> low2)
        {
            var u = VectorJoin.Join(KQuantSimd.ShiftRightMask(q, shift, low2), KQuantSimd.ShiftRightMask(q, shift + 2, low2));
            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, Vector512.LoadUnsafe(ref q8, (nuint)(64 * c))), scales);
        }
    }

    private static float DotAvx2(ref byte x, ref byte y, int blocks)
    {
        var low2 = Vector256.Create((byte)3);
        var acc = Vector256<float>.Zero;
        var accMin = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++)
        {
            ref byte xb = ref Unsafe.Add(ref x, i * BlockQ2_K.ByteLength);
            ref byte yb = ref Unsafe.Add(ref y, i * BlockQ8_K.ByteLength);
            float yd = Unsafe.ReadUnaligned<float>(ref yb);
            float d = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DOffset)));
            float dmin = yd * KQuantMath.HalfToSingle(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref xb, DMinOffset)));
            Scales(ref xb, ref yb, out var minTerm);
            accMin = Fma.MultiplyAdd(minTerm, Vector256.Create(dmin), accMin);
            ref sbyte q8 = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref yb, BlockQ8_K.QsOffset));
            var isum0 = Vector256<int>.Zero;
            var isum1 = Vector256<int>.Zero;
            for (int n = 0; n < 2; n++)
            {
                var q = Vector256.LoadUnsafe(ref xb, (nuint)(QsOffset + 32 * n));
                for (int j = 0; j < 4; j += 2)
                {
                    int s = 8 * n + 2 * j;
                    var p0 = Avx2.MultiplyAddAdjacent(KQuantSimd.ShiftRightMask(q, 2 * j, low2), Vector256.LoadUnsafe(ref q8, (nuint)(128 * n + 32 * j)));
                    var p1 = Avx2.MultiplyAddAdjacent(KQuantSimd.ShiftRightMask(q, 2 * j + 2, low2), Vector256.LoadUnsafe(ref q8, (nuint)(128 * n + 32 * j + 32)));
                    isum0 += Avx2.MultiplyAddAdjacent(p0, Pair(ref xb, s));
                    isum1 += Avx2.MultiplyAddAdjacent(p1, Pair(ref xb, s + 2));
                }
            }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(isum0 + isum1), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc - accMin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<short> Pair(ref byte scales, int s) =>
            Vector256.Create(Vector128.Create((short)(Unsafe.Add(ref scales, s) & 0xF)), Vector128.Create((short)(Unsafe.Add(ref scales, s + 1) & 0xF)));
    }
}
