using Spindle.Tensors.Blocks;

namespace Spindle.Caching;

/// <summary>Element type of cached keys or values (llama.cpp's <c>--cache-type-k</c> / <c>--cache-type-v</c>).</summary>
public enum KvCacheType
{
    /// <summary>Half precision, as llama.cpp stores its cache by default: matching it matters for matching its logits.</summary>
    F16,

    /// <summary>Full precision.</summary>
    F32,

    /// <summary>8-bit blocks of 32 with an fp16 scale (8.5 bits per element): a head must be a multiple of 32 wide.</summary>
    Q8_0,

    /// <summary>4-bit blocks of 32 with an fp16 scale (4.5 bits per element): a head must be a multiple of 32 wide.</summary>
    Q4_0,
}

public static class KvCacheTypes
{
    public static GgmlType ToGgmlType(this KvCacheType type) => type switch
    {
        KvCacheType.F16 => GgmlType.F16,
        KvCacheType.F32 => GgmlType.F32,
        KvCacheType.Q8_0 => GgmlType.Q8_0,
        KvCacheType.Q4_0 => GgmlType.Q4_0,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown KV cache type"),
    };

    public static bool IsQuantized(this KvCacheType type) => type is KvCacheType.Q8_0 or KvCacheType.Q4_0;

    /// <summary>Elements per block: a head row must be a whole number of them.</summary>
    public static int BlockLength(this KvCacheType type) => type.IsQuantized() ? 32 : 1;

    /// <summary>The names llama.cpp's <c>-ctk/-ctv</c> take: f16, f32, q8_0, q4_0.</summary>
    public static bool TryParse(string text, out KvCacheType type)
    {
        switch (text.ToLowerInvariant())
        {
            case "f16": type = KvCacheType.F16; return true;
            case "f32": type = KvCacheType.F32; return true;
            case "q8_0": type = KvCacheType.Q8_0; return true;
            case "q4_0": type = KvCacheType.Q4_0; return true;
            default: type = default; return false;
        }
    }

    public static string Name(this KvCacheType type) => type switch
    {
        KvCacheType.F16 => "f16",
        KvCacheType.F32 => "f32",
        KvCacheType.Q8_0 => "q8_0",
        KvCacheType.Q4_0 => "q4_0",
        _ => type.ToString(),
    };
}
