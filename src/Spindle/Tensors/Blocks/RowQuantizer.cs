using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// Converts one row of floats to any weight type Spindle can write, the way llama-quantize does without an importance
/// matrix (ggml_quantize_chunk: the <c>*_ref</c> quantizers, fp32→fp16 and fp32→bf16 rounding to nearest even), so a
/// file written here matches llama.cpp's byte for byte.
/// </summary>
public static class RowQuantizer
{
    public static bool Supports(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS
        || (Block32Quantizer.Supports(type) && type != GgmlType.Q8_1); // Q8_1 is an activation format, never a weight

    /// <summary>
    /// Quantizes <paramref name="source"/> (a whole number of <paramref name="type"/>'s blocks) into
    /// <paramref name="destination"/>, which must hold exactly <c>GgmlTypeInfo.ByteLength(type, source.Length)</c> bytes.
    /// </summary>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (!Supports(type)) ThrowUnsupported(type);
        int blockSize = GgmlTypeInfo.BlockSize(type);
        if (source.Length % blockSize != 0)
            throw new ArgumentException($"a {GgmlTypeInfo.Name(type)} row must be a multiple of {blockSize} elements, got {source.Length}", nameof(source));
        long byteLength = GgmlTypeInfo.ByteLength(type, source.Length);
        if (destination.Length != byteLength)
            throw new ArgumentException($"{source.Length} elements of {GgmlTypeInfo.Name(type)} take {byteLength} bytes, destination has {destination.Length}", nameof(destination));

        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case GgmlType.F16: ToHalf<F16Widening>(source, destination); break;
            case GgmlType.BF16: ToHalf<BF16Widening>(source, destination); break;
            case GgmlType.Q2_K: Q2_KReference.Quantize(source, destination); break;
            case GgmlType.Q3_K: Q3_KReference.Quantize(source, destination); break;
            case GgmlType.Q4_K: Q4_KReference.Quantize(source, destination); break;
            case GgmlType.Q5_K: Q5_KReference.Quantize(source, destination); break;
            case GgmlType.Q6_K: Q6_KReference.Quantize(source, destination); break;
            case GgmlType.IQ4_XS: IQ4_XSReference.Quantize(source, destination); break;
            default: Block32Quantizer.QuantizeRow(type, source, destination); break;
        }
    }

    // The 16-bit formats' FromSingle are ggml's conversions: round to nearest even; bf16 NaN forced quiet.
    private static void ToHalf<TWidening>(ReadOnlySpan<float> source, Span<byte> destination) where TWidening : struct, IHalfWidening
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(destination);
        for (int i = 0; i < source.Length; i++) bits[i] = TWidening.FromSingle(source[i]);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowUnsupported(GgmlType type) =>
        throw new NotSupportedException($"cannot quantize to {GgmlTypeInfo.Name(type)}: Spindle writes F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS");
}
