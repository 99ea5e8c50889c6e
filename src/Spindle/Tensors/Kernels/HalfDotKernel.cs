using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// 16-bit float weights against activations converted to the same format, as llama.cpp (ggml_vec_dot_f16 / _bf16):
/// both operands widen to fp32 and products accumulate in fp32 (the scalar reference accumulates in double, as ggml's).
/// </summary>
internal abstract class HalfDotKernel<TWidening> : WeightKernel where TWidening : struct, IHalfWidening
{
    private readonly KernelIsa _isa;

    protected HalfDotKernel(KernelIsa isa)
    {
        KernelIsaSupport.Require(isa);
        _isa = isa == KernelIsa.Avx512 && TWidening.PrefersAvx2 ? KernelIsa.Avx2 : isa;
    }

    internal KernelIsa Isa => _isa;

    public sealed override GgmlType Type => TWidening.Type;

    public sealed override GgmlType ActivationType => TWidening.Type;

    public sealed override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(row);
        for (int i = 0; i < bits.Length; i++) destination[i] = TWidening.ToSingle(bits[i]);
    }

    public sealed override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(destination);
        for (int i = 0; i < source.Length; i++) bits[i] = TWidening.FromSingle(source[i]);
    }

    public sealed override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength)
    {
        Debug.Assert(row.Length >= rowLength * 2 && activation.Length >= rowLength * 2);
        var w = MemoryMarshal.Cast<byte, ushort>(row).Slice(0, rowLength);
        var a = MemoryMarshal.Cast<byte, ushort>(activation).Slice(0, rowLength);
        return _isa switch
        {
            KernelIsa.Avx512 => DotAvx512(w, a),
            KernelIsa.Avx2 => DotAvx2(w, a),
            _ => DotScalar(w, a, 0, 0),
        };
    }

    public sealed override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride)
    {
        if (_isa == KernelIsa.Scalar)
        {
            base.MatMul(weightRows, rowCount, rowLength, activations, tokenCount, output, outputStride);
            return;
        }
        Debug.Assert(weightRows.Length >= rowCount * rowLength * 2 && activations.Length >= tokenCount * rowLength * 2);
        Debug.Assert(output.Length >= (tokenCount - 1) * outputStride + rowCount);

        // Activations widen once per call (exact), so each row pass widens only the weights; four tokens share each
        // widened weight vector.
        float[] rented = KernelScratch.Floats(tokenCount * rowLength);
        var widened = rented.AsSpan(0, tokenCount * rowLength);
        DequantizeRow(activations.Slice(0, tokenCount * rowLength * 2), widened);
        var weights = MemoryMarshal.Cast<byte, ushort>(weightRows);
        if (TWidening.Type == GgmlType.F16)
        {
            // llama.cpp's summation order, so the ulp-level differences that an F16 KV cache amplifies (a value on
            // the other side of an F16 rounding boundary) do not arise: its AVX-512 tiled GEMM (llamafile sgemm) when
            // rows fill whole 16-lane vectors, ggml_vec_dot_f16 otherwise.
            bool tiled = rowLength % 16 == 0;
            Span<float> f16Sums = stackalloc float[4];
            for (int r = 0; r < rowCount; r++)
            {
                var row = weights.Slice(r * rowLength, rowLength);
                int t = 0;
                if (tiled)
                {
                    for (; t + 4 <= tokenCount; t += 4)
                    {
                        DotInTiledGemmOrder(row, widened.Slice(t * rowLength, 4 * rowLength), f16Sums, 4);
                        for (int k = 0; k < 4; k++) output[(t + k) * outputStride + r] = f16Sums[k];
                    }
                }
                for (; t < tokenCount; t++)
                {
                    var activation = widened.Slice(t * rowLength, rowLength);
                    if (tiled) DotInTiledGemmOrder(row, activation, f16Sums, 1);
                    else f16Sums[0] = DotInVecDotOrder(row, activation);
                    output[t * outputStride + r] = f16Sums[0];
                }
            }
            return;
        }
        Span<float> sums = stackalloc float[4];
        for (int r = 0; r < rowCount; r++)
        {
            var row = weights.Slice(r * rowLength, rowLength);
            int t = 0;
            for (; t + 4 <= tokenCount; t += 4)
            {
                DotWidened4(_isa, row, widened.Slice(t * rowLength, 4 * rowLength), sums);
                for (int k = 0; k < 4; k++) output[(t + k) * outputStride + r] = sums[k];
            }
            for (; t < tokenCount; t++)
            {
                DotWidened4(_isa, row, widened.Slice(t * rowLength, rowLength), sums, tokens: 1);
                output[t * outputStride + r] = sums[0];
            }
        }
    }

    /// <summary>Dot of one 16-bit row with <paramref name="tokens"/> (1 or 4) consecutive fp32 rows of the same length.</summary>
    private static void DotWidened4(KernelIsa isa, ReadOnlySpan<ushort> w, ReadOnlySpan<float> a, Span<float> sums, int tokens = 4)
    {
        int n = w.Length;
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, tokens > 1 ? n : 0);
        ref float a2 = ref Unsafe.Add(ref a0, tokens > 1 ? 2 * n : 0);
        ref float a3 = ref Unsafe.Add(ref a0, tokens > 1 ? 3 * n : 0);
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (isa == KernelIsa.Avx512)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            var acc2 = Vector512<float>.Zero;
            var acc3 = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var x = Load16(ref wr, i);
                acc0 = Avx512F.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref a0, (nuint)i), acc0);
                if (tokens == 1) continue;
                acc1 = Avx512F.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref a1, (nuint)i), acc1);
                acc2 = Avx512F.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref a2, (nuint)i), acc2);
                acc3 = Avx512F.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref a3, (nuint)i), acc3);
            }
            s0 = Vector512.Sum(acc0); s1 = Vector512.Sum(acc1); s2 = Vector512.Sum(acc2); s3 = Vector512.Sum(acc3);
        }
        else
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            var acc2 = Vector256<float>.Zero;
            var acc3 = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var x = Load8(ref wr, i);
                acc0 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref a0, (nuint)i), acc0);
                if (tokens == 1) continue;
                acc1 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref a1, (nuint)i), acc1);
                acc2 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref a2, (nuint)i), acc2);
                acc3 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref a3, (nuint)i), acc3);
            }
            s0 = Vector256.Sum(acc0); s1 = Vector256.Sum(acc1); s2 = Vector256.Sum(acc2); s3 = Vector256.Sum(acc3);
        }
        for (; i < n; i++)
        {
            float x = TWidening.ToSingle(w[i]);
            s0 += x * Unsafe.Add(ref a0, i);
            if (tokens == 1) continue;
            s1 += x * Unsafe.Add(ref a1, i);
            s2 += x * Unsafe.Add(ref a2, i);
            s3 += x * Unsafe.Add(ref a3, i);
        }
        sums[0] = s0;
        if (tokens == 1) return;
        sums[1] = s1; sums[2] = s2; sums[3] = s3;
    }

    /// <summary>
    /// llamafile's tinyBLAS for F16 on AVX-512 (KN = 16): lane l accumulates elements l, l + 16, … with FMA, then the
    /// 16 lanes reduce as _mm512_reduce_add_ps does (halves added pairwise: 16 → 8 → 4 → 2 → 1). Each 16-lane
    /// accumulator is kept as a (low, high) pair of 8-lane vectors. Requires a length that is a multiple of 16.
    /// </summary>
    private static void DotInTiledGemmOrder(ReadOnlySpan<ushort> w, ReadOnlySpan<float> a, Span<float> sums, int tokens)
    {
        int n = w.Length;
        Debug.Assert(n % 16 == 0 && a.Length >= tokens * n);
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, tokens > 1 ? n : 0);
        ref float a2 = ref Unsafe.Add(ref a0, tokens > 1 ? 2 * n : 0);
        ref float a3 = ref Unsafe.Add(ref a0, tokens > 1 ? 3 * n : 0);
        Vector256<float> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
        Vector256<float> lo2 = default, hi2 = default, lo3 = default, hi3 = default;
        for (int i = 0; i < n; i += 16)
        {
            var xl = Load8(ref wr, i);
            var xh = Load8(ref wr, i + 8);
            lo0 = Vector256.FusedMultiplyAdd(xl, Vector256.LoadUnsafe(ref a0, (nuint)i), lo0);
            hi0 = Vector256.FusedMultiplyAdd(xh, Vector256.LoadUnsafe(ref a0, (nuint)(i + 8)), hi0);
            if (tokens == 1) continue;
            lo1 = Vector256.FusedMultiplyAdd(xl, Vector256.LoadUnsafe(ref a1, (nuint)i), lo1);
            hi1 = Vector256.FusedMultiplyAdd(xh, Vector256.LoadUnsafe(ref a1, (nuint)(i + 8)), hi1);
            lo2 = Vector256.FusedMultiplyAdd(xl, Vector256.LoadUnsafe(ref a2, (nuint)i), lo2);
            hi2 = Vector256.FusedMultiplyAdd(xh, Vector256.LoadUnsafe(ref a2, (nuint)(i + 8)), hi2);
            lo3 = Vector256.FusedMultiplyAdd(xl, Vector256.LoadUnsafe(ref a3, (nuint)i), lo3);
            hi3 = Vector256.FusedMultiplyAdd(xh, Vector256.LoadUnsafe(ref a3, (nuint)(i + 8)), hi3);
        }
        sums[0] = ReduceAdd16(lo0, hi0);
        if (tokens == 1) return;
        sums[1] = ReduceAdd16(lo1, hi1);
        sums[2] = ReduceAdd16(lo2, hi2);
        sums[3] = ReduceAdd16(lo3, hi3);
    }

    /// <summary>_mm512_reduce_add_ps of the 16 lanes (low, high): 16 → 8 → 4 → 2 → 1, halves added pairwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ReduceAdd16(Vector256<float> low, Vector256<float> high)
    {
        var eight = low + high;
        var four = eight.GetLower() + eight.GetUpper();
        return (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
    }

    /// <summary>
    /// ggml_vec_dot_f16 built for AVX-512 (GGML_F16_STEP 64): four 16-lane accumulators over 64-element steps, reduced
    /// (a0 + a2) + (a1 + a3) then as _mm512_reduce_add_ps; the tail is added in double.
    /// </summary>
    private static float DotInVecDotOrder(ReadOnlySpan<ushort> w, ReadOnlySpan<float> a)
    {
        int steps = w.Length & ~63;
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref float ar = ref MemoryMarshal.GetReference(a);
        double sum = 0;
        if (steps > 0)
        {
            Vector256<float> l0 = default, h0 = default, l1 = default, h1 = default;
            Vector256<float> l2 = default, h2 = default, l3 = default, h3 = default;
            for (int i = 0; i < steps; i += 64)
            {
                l0 = Vector256.FusedMultiplyAdd(Load8(ref wr, i), Vector256.LoadUnsafe(ref ar, (nuint)i), l0);
                h0 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 8), Vector256.LoadUnsafe(ref ar, (nuint)(i + 8)), h0);
                l1 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 16), Vector256.LoadUnsafe(ref ar, (nuint)(i + 16)), l1);
                h1 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 24), Vector256.LoadUnsafe(ref ar, (nuint)(i + 24)), h1);
                l2 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 32), Vector256.LoadUnsafe(ref ar, (nuint)(i + 32)), l2);
                h2 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 40), Vector256.LoadUnsafe(ref ar, (nuint)(i + 40)), h2);
                l3 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 48), Vector256.LoadUnsafe(ref ar, (nuint)(i + 48)), l3);
                h3 = Vector256.FusedMultiplyAdd(Load8(ref wr, i + 56), Vector256.LoadUnsafe(ref ar, (nuint)(i + 56)), h3);
            }
            sum = ReduceAdd16((l0 + l2) + (l1 + l3), (h0 + h2) + (h1 + h3));
        }
        for (int i = steps; i < w.Length; i++) sum += TWidening.ToSingle(w[i]) * a[i];
        return (float)sum;
    }

    private static float DotScalar(ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> a, int start, double sum)
    {
        for (int i = start; i < w.Length; i++) sum += TWidening.ToSingle(w[i]) * TWidening.ToSingle(a[i]);
        return (float)sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load8(ref ushort source, int i) =>
        TWidening.ToSingle(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, (nuint)i)).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load16(ref ushort source, int i) =>
        TWidening.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.LoadUnsafe(ref source, (nuint)i)));

    private static float DotAvx2(ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> a)
    {
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref ushort ar = ref MemoryMarshal.GetReference(a);
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 16 <= w.Length; i += 16)
        {
            acc0 = Fma.MultiplyAdd(Load8(ref wr, i), Load8(ref ar, i), acc0);
            acc1 = Fma.MultiplyAdd(Load8(ref wr, i + 8), Load8(ref ar, i + 8), acc1);
        }
        for (; i + 8 <= w.Length; i += 8) acc0 = Fma.MultiplyAdd(Load8(ref wr, i), Load8(ref ar, i), acc0);
        return DotScalar(w, a, i, Vector256.Sum(acc0 + acc1));
    }

    private static float DotAvx512(ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> a)
    {
        ref ushort wr = ref MemoryMarshal.GetReference(w);
        ref ushort ar = ref MemoryMarshal.GetReference(a);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        int i = 0;
        for (; i + 32 <= w.Length; i += 32)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Load16(ref wr, i), Load16(ref ar, i), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Load16(ref wr, i + 16), Load16(ref ar, i + 16), acc1);
        }
        for (; i + 16 <= w.Length; i += 16) acc0 = Avx512F.FusedMultiplyAdd(Load16(ref wr, i), Load16(ref ar, i), acc0);
        var acc = Vector512.Sum(acc0 + acc1);
        for (; i + 8 <= w.Length; i += 8) acc += Vector256.Sum(Load8(ref wr, i) * Load8(ref ar, i));
        return DotScalar(w, a, i, acc);
    }
}

/// <summary>F16 weights × F16 activations.</summary>
internal sealed class F16Kernel(KernelIsa isa) : HalfDotKernel<F16Widening>(isa)
{
    public static readonly F16Kernel Instance = new(KernelIsaSupport.Best);
}

/// <summary>BF16 weights × BF16 activations. AVX512_BF16's vdpbf16ps is not exposed by .NET 10; widening by a shift is exact.</summary>
internal sealed class BF16Kernel(KernelIsa isa) : HalfDotKernel<BF16Widening>(isa)
{
    public static readonly BF16Kernel Instance = new(KernelIsaSupport.Best);
}
