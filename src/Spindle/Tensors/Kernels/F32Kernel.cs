using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// F32 weights against F32 activations. The product runs in tiles of four weight rows × three tokens (twelve
/// accumulators in registers, each weight and activation vector loaded once per tile), so a batch of tokens (prefill,
/// a speculative verification pass) reads each weight row once per three tokens instead of once per token. Every
/// (row, token) result is one chain of 8-lane fused multiply-adds over the row, the same lane sum, then the scalar
/// tail, whatever tile computed it: decode, prefill and any batch give the same bits.
/// </summary>
public sealed class F32Kernel : WeightKernel
{
    public static readonly F32Kernel Instance = new();

    public override GgmlType Type => GgmlType.F32;

    public override GgmlType ActivationType => GgmlType.F32;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) =>
        MemoryMarshal.Cast<byte, float>(row).CopyTo(destination);

    public override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination) =>
        MemoryMarshal.AsBytes(source).CopyTo(destination);

    public override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength)
    {
        ref float w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(row));
        ref float a = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(activation));
        if ((long)row.Length < rowLength * 4L || (long)activation.Length < rowLength * 4L) throw new ArgumentException("row shorter than rowLength");
        int vectorEnd = rowLength & ~7;
        var acc = Vector256<float>.Zero;
        for (int k = 0; k < vectorEnd; k += 8) acc = Fma(ref w, ref a, k, acc);
        return Finish(acc, ref w, ref a, vectorEnd, rowLength);
    }

    public override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride)
    {
        if ((long)weightRows.Length < (long)rowCount * rowLength * 4 || (long)activations.Length < (long)tokenCount * rowLength * 4)
            throw new ArgumentException("weights or activations shorter than the product needs");
        if (tokenCount > 0 && (long)output.Length < (long)(tokenCount - 1) * outputStride + rowCount)
            throw new ArgumentException("output shorter than the product needs", nameof(output));
        ref float w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(weightRows));
        ref float a = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(activations));
        ref float o = ref MemoryMarshal.GetReference(output);
        int r = 0;
        for (; r + 4 <= rowCount; r += 4)
        {
            int t = 0;
            for (; t + 3 <= tokenCount; t += 3) Tile4x3(ref w, ref a, ref o, r, t, rowLength, outputStride);
            for (; t < tokenCount; t++) Tile4x1(ref w, ref a, ref o, r, t, rowLength, outputStride);
        }
        for (; r < rowCount; r++)
        {
            ref float row = ref Unsafe.Add(ref w, (nint)r * rowLength);
            for (int t = 0; t < tokenCount; t++)
            {
                ref float act = ref Unsafe.Add(ref a, (nint)t * rowLength);
                int vectorEnd = rowLength & ~7;
                var acc = Vector256<float>.Zero;
                for (int k = 0; k < vectorEnd; k += 8) acc = Fma(ref row, ref act, k, acc);
                Unsafe.Add(ref o, (nint)t * outputStride + r) = Finish(acc, ref row, ref act, vectorEnd, rowLength);
            }
        }
    }

    private static void Tile4x3(ref float w, ref float a, ref float o, int r, int t, int n, int stride)
    {
        ref float w0 = ref Unsafe.Add(ref w, (nint)r * n);
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float w2 = ref Unsafe.Add(ref w1, n);
        ref float w3 = ref Unsafe.Add(ref w2, n);
        ref float a0 = ref Unsafe.Add(ref a, (nint)t * n);
        ref float a1 = ref Unsafe.Add(ref a0, n);
        ref float a2 = ref Unsafe.Add(ref a1, n);
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        int vectorEnd = n & ~7;
        for (int k = 0; k < vectorEnd; k += 8)
        {
            var x0 = Load(ref a0, k);
            var x1 = Load(ref a1, k);
            var x2 = Load(ref a2, k);
            var v = Load(ref w0, k);
            c00 = Vector256.FusedMultiplyAdd(v, x0, c00);
            c01 = Vector256.FusedMultiplyAdd(v, x1, c01);
            c02 = Vector256.FusedMultiplyAdd(v, x2, c02);
            v = Load(ref w1, k);
            c10 = Vector256.FusedMultiplyAdd(v, x0, c10);
            c11 = Vector256.FusedMultiplyAdd(v, x1, c11);
            c12 = Vector256.FusedMultiplyAdd(v, x2, c12);
            v = Load(ref w2, k);
            c20 = Vector256.FusedMultiplyAdd(v, x0, c20);
            c21 = Vector256.FusedMultiplyAdd(v, x1, c21);
            c22 = Vector256.FusedMultiplyAdd(v, x2, c22);
            v = Load(ref w3, k);
            c30 = Vector256.FusedMultiplyAdd(v, x0, c30);
            c31 = Vector256.FusedMultiplyAdd(v, x1, c31);
            c32 = Vector256.FusedMultiplyAdd(v, x2, c32);
        }
        ref float o0 = ref Unsafe.Add(ref o, (nint)t * stride + r);
        ref float o1 = ref Unsafe.Add(ref o0, stride);
        ref float o2 = ref Unsafe.Add(ref o1, stride);
        o0 = Finish(c00, ref w0, ref a0, vectorEnd, n);
        o1 = Finish(c01, ref w0, ref a1, vectorEnd, n);
        o2 = Finish(c02, ref w0, ref a2, vectorEnd, n);
        Unsafe.Add(ref o0, 1) = Finish(c10, ref w1, ref a0, vectorEnd, n);
        Unsafe.Add(ref o1, 1) = Finish(c11, ref w1, ref a1, vectorEnd, n);
        Unsafe.Add(ref o2, 1) = Finish(c12, ref w1, ref a2, vectorEnd, n);
        Unsafe.Add(ref o0, 2) = Finish(c20, ref w2, ref a0, vectorEnd, n);
        Unsafe.Add(ref o1, 2) = Finish(c21, ref w2, ref a1, vectorEnd, n);
        Unsafe.Add(ref o2, 2) = Finish(c22, ref w2, ref a2, vectorEnd, n);
        Unsafe.Add(ref o0, 3) = Finish(c30, ref w3, ref a0, vectorEnd, n);
        Unsafe.Add(ref o1, 3) = Finish(c31, ref w3, ref a1, vectorEnd, n);
        Unsafe.Add(ref o2, 3) = Finish(c32, ref w3, ref a2, vectorEnd, n);
    }

    private static void Tile4x1(ref float w, ref float a, ref float o, int r, int t, int n, int stride)
    {
        ref float w0 = ref Unsafe.Add(ref w, (nint)r * n);
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float w2 = ref Unsafe.Add(ref w1, n);
        ref float w3 = ref Unsafe.Add(ref w2, n);
        ref float a0 = ref Unsafe.Add(ref a, (nint)t * n);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int vectorEnd = n & ~7;
        for (int k = 0; k < vectorEnd; k += 8)
        {
            var x = Load(ref a0, k);
            c0 = Vector256.FusedMultiplyAdd(Load(ref w0, k), x, c0);
            c1 = Vector256.FusedMultiplyAdd(Load(ref w1, k), x, c1);
            c2 = Vector256.FusedMultiplyAdd(Load(ref w2, k), x, c2);
            c3 = Vector256.FusedMultiplyAdd(Load(ref w3, k), x, c3);
        }
        ref float out0 = ref Unsafe.Add(ref o, (nint)t * stride + r);
        out0 = Finish(c0, ref w0, ref a0, vectorEnd, n);
        Unsafe.Add(ref out0, 1) = Finish(c1, ref w1, ref a0, vectorEnd, n);
        Unsafe.Add(ref out0, 2) = Finish(c2, ref w2, ref a0, vectorEnd, n);
        Unsafe.Add(ref out0, 3) = Finish(c3, ref w3, ref a0, vectorEnd, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float p, int k) => Vector256.LoadUnsafe(ref p, (nuint)k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(ref float w, ref float a, int k, Vector256<float> acc) =>
        Vector256.FusedMultiplyAdd(Load(ref w, k), Load(ref a, k), acc);

    /// <summary>The one way every result ends: the lanes summed pairwise in a fixed order, then the tail in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, ref float w, ref float a, int vectorEnd, int n)
    {
        var half = acc.GetLower() + acc.GetUpper();
        float sum = (half.GetElement(0) + half.GetElement(2)) + (half.GetElement(1) + half.GetElement(3));
        for (int k = vectorEnd; k < n; k++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, k), Unsafe.Add(ref a, k), sum);
        return sum;
    }
}
