using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// Reference quantization (ggml's quantize_row_*_ref, what llama-quantize writes without an importance matrix) and
/// dequantization of rows of the 32-element block types, by <see cref="GgmlType"/>.
/// </summary>
public static class Block32Quantizer
{
    public static bool Supports(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0
        or GgmlType.Q5_1 or GgmlType.Q8_0 or GgmlType.Q8_1 or GgmlType.IQ4_NL;

    /// <summary>Quantizes <paramref name="source"/> (a multiple of 32 elements) into <paramref name="destination"/>
    /// (<c>GgmlTypeInfo.ByteLength(type, source.Length)</c> bytes).</summary>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.Q4_0: BlockQ4_0.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ4_0>(destination)); break;
            case GgmlType.Q4_1: BlockQ4_1.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ4_1>(destination)); break;
            case GgmlType.Q5_0: BlockQ5_0.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ5_0>(destination)); break;
            case GgmlType.Q5_1: BlockQ5_1.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ5_1>(destination)); break;
            case GgmlType.Q8_0: BlockQ8_0.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ8_0>(destination)); break;
            case GgmlType.Q8_1: BlockQ8_1.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockQ8_1>(destination)); break;
            case GgmlType.IQ4_NL: BlockIQ4_NL.QuantizeReference(source, MemoryMarshal.Cast<byte, BlockIQ4_NL>(destination)); break;
            default: throw new NotSupportedException($"no reference quantizer for {GgmlTypeInfo.Name(type)}");
        }
    }

    /// <summary>ggml dequantize_row_* for these types.</summary>
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgmlType.Q4_0: BlockQ4_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_0>(source), destination); break;
            case GgmlType.Q4_1: BlockQ4_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_1>(source), destination); break;
            case GgmlType.Q5_0: BlockQ5_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ5_0>(source), destination); break;
            case GgmlType.Q5_1: BlockQ5_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ5_1>(source), destination); break;
            case GgmlType.Q8_0: BlockQ8_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_0>(source), destination); break;
            case GgmlType.Q8_1: BlockQ8_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_1>(source), destination); break;
            case GgmlType.IQ4_NL: BlockIQ4_NL.Dequantize(MemoryMarshal.Cast<byte, BlockIQ4_NL>(source), destination); break;
            default: throw new NotSupportedException($"no dequantizer for {GgmlTypeInfo.Name(type)}");
        }
    }
}
