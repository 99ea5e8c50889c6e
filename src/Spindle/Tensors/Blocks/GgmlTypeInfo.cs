namespace Spindle.Tensors.Blocks;

/// <summary>
/// Block geometry of each <see cref="GgmlType"/>: how many elements one block holds and how many bytes it takes
/// (ggml.c, type_traits). A row of n elements of a quantized type takes n / BlockSize * BlockByteLength bytes.
/// </summary>
public static class GgmlTypeInfo
{
    /// <summary>Elements per block, or 0 for a value that is not a known type.</summary>
    public static int BlockSize(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.F64
            or GgmlType.I8 or GgmlType.I16 or GgmlType.I32 or GgmlType.I64 => 1,
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1
            or GgmlType.Q8_0 or GgmlType.Q8_1 or GgmlType.IQ4_NL or GgmlType.MXFP4 => 32,
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q8_K
            or GgmlType.IQ2_XXS or GgmlType.IQ2_XS or GgmlType.IQ3_XXS or GgmlType.IQ1_S or GgmlType.IQ3_S
            or GgmlType.IQ2_S or GgmlType.IQ4_XS or GgmlType.IQ1_M or GgmlType.TQ1_0 or GgmlType.TQ2_0 => 256,
        _ => 0,
    };

    /// <summary>Bytes per block, or 0 for a value that is not a known type.</summary>
    public static int BlockByteLength(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 => 2,
        GgmlType.BF16 => 2,
        GgmlType.F64 => 8,
        GgmlType.I8 => 1,
        GgmlType.I16 => 2,
        GgmlType.I32 => 4,
        GgmlType.I64 => 8,
        GgmlType.Q4_0 => 18,
        GgmlType.Q4_1 => 20,
        GgmlType.Q5_0 => 22,
        GgmlType.Q5_1 => 24,
        GgmlType.Q8_0 => 34,
        GgmlType.Q8_1 => 36,
        GgmlType.Q2_K => 84,
        GgmlType.Q3_K => 110,
        GgmlType.Q4_K => 144,
        GgmlType.Q5_K => 176,
        GgmlType.Q6_K => 210,
        GgmlType.Q8_K => 292,
        GgmlType.IQ2_XXS => 66,
        GgmlType.IQ2_XS => 74,
        GgmlType.IQ3_XXS => 98,
        GgmlType.IQ1_S => 50,
        GgmlType.IQ4_NL => 18,
        GgmlType.IQ3_S => 110,
        GgmlType.IQ2_S => 82,
        GgmlType.IQ4_XS => 136,
        GgmlType.IQ1_M => 56,
        GgmlType.TQ1_0 => 54,
        GgmlType.TQ2_0 => 66,
        GgmlType.MXFP4 => 17,
        _ => 0,
    };

    public static bool IsKnown(GgmlType type) => BlockSize(type) != 0;

    public static bool IsQuantized(GgmlType type) => BlockSize(type) > 1;

    /// <summary>
    /// Bytes taken by <paramref name="elementCount"/> elements, or -1 when the count is not a whole number of blocks
    /// or the result would overflow.
    /// </summary>
    public static long ByteLength(GgmlType type, long elementCount)
    {
        int blockSize = BlockSize(type);
        if (blockSize == 0 || elementCount < 0 || elementCount % blockSize != 0) return -1;
        long blocks = elementCount / blockSize;
        int blockBytes = BlockByteLength(type);
        if (blocks > long.MaxValue / blockBytes) return -1;
        return blocks * blockBytes;
    }

    /// <summary>The name llama.cpp prints for the type (e.g. "q4_K", "f16").</summary>
    public static string Name(GgmlType type) => type switch
    {
        GgmlType.Q2_K => "q2_K",
        GgmlType.Q3_K => "q3_K",
        GgmlType.Q4_K => "q4_K",
        GgmlType.Q5_K => "q5_K",
        GgmlType.Q6_K => "q6_K",
        GgmlType.Q8_K => "q8_K",
        _ when IsKnown(type) => type.ToString().ToLowerInvariant(),
        _ => $"unknown({(uint)type})",
    };
}
