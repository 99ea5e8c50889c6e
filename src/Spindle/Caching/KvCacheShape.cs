namespace Spindle.Caching;

/// <summary>
/// What one cached token holds per layer: <see cref="KvHeadCount"/> key heads of <see cref="KeyHeadDim"/> elements and
/// as many value heads of <see cref="ValueHeadDim"/>. Caches of one model share a shape; copies need equal shapes.
/// </summary>
public sealed record KvCacheShape
{
    public KvCacheShape(int layerCount, int kvHeadCount, int keyHeadDim, int valueHeadDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kvHeadCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyHeadDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(valueHeadDim, 1);
        LayerCount = layerCount;
        KvHeadCount = kvHeadCount;
        KeyHeadDim = keyHeadDim;
        ValueHeadDim = valueHeadDim;
    }

    public int LayerCount { get; }

    public int KvHeadCount { get; }

    public int KeyHeadDim { get; }

    public int ValueHeadDim { get; }

    /// <summary>Key elements per token and layer, all heads side by side.</summary>
    public int KeyWidth => KvHeadCount * KeyHeadDim;

    public int ValueWidth => KvHeadCount * ValueHeadDim;

    /// <summary>
    /// Throws unless every head row is a whole number of <paramref name="format"/>'s blocks: a quantized cache quantizes
    /// each head's row in blocks of 32, so narrower heads (the tiny models' 8 and 16) cannot use one, as in llama.cpp.
    /// </summary>
    public void Validate(KvCacheFormat format)
    {
        Check(format.Keys, KeyHeadDim, "key");
        Check(format.Values, ValueHeadDim, "value");
    }

    /// <summary>Bytes of one head's row of keys (or values) in <paramref name="type"/>.</summary>
    public static int RowBytes(KvCacheType type, int elements) => type switch
    {
        KvCacheType.F32 => elements * 4,
        KvCacheType.F16 => elements * 2,
        KvCacheType.Q8_0 => elements / 32 * 34,
        KvCacheType.Q4_0 => elements / 32 * 18,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static void Check(KvCacheType type, int headDim, string what)
    {
        int block = type.BlockLength();
        if (headDim % block != 0)
            throw new NotSupportedException(
                $"a {type.Name()} KV cache stores {what}s in blocks of {block}, but this model's {what} heads are {headDim} wide; use f16 or f32");
    }
}
