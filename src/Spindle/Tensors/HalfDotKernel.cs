using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Spindle.Tensors;

/// <summary>
/// 16-bit float weights against activations converted to the same format, as llama.cpp (ggml_vec_dot_f16 / _bf16):
/// both operands widen to fp32 and products accumulate in fp32 (the scalar reference accumulates in double, as ggml's).
/// </summary>
internal abstract class HalfDotKernel<TWidening> : WeightKernel where TWidening : struct, IHalfWidening
{
    private readonly KernelIsa _isa;

    protected HalfDotKernel(KernelIsa isa) => _isa = KernelIsaSupport.Require(isa);

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
