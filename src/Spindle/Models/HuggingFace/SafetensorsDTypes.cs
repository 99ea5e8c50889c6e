using Spindle.Tensors.Blocks;

namespace Spindle.Models.HuggingFace;

/// <summary>The element types the safetensors format names, their sizes, and which of them Spindle binds as weights.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Bytes per element of a dtype the format defines with whole-byte elements; 0 for any other name.</summary>
    public static int ElementByteLength(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" or "F8_E8M0" => 1,
        _ => 0,
    };

    /// <summary>The ggml type with the same bytes, for the float types a weight may have; false for the rest.</summary>
    public static bool TryGetGgmlType(string dtype, out GgmlType type)
    {
        (bool known, type) = dtype switch
        {
            "F32" => (true, GgmlType.F32),
            "F16" => (true, GgmlType.F16),
            "BF16" => (true, GgmlType.BF16),
            _ => (false, default(GgmlType)),
        };
        return known;
    }
}
