using System.Globalization;

namespace Spindle.Caching;

/// <summary>
/// What KV storage of a given shape costs, checked before it is allocated: a context length comes from a request or
/// from a file's metadata, and either can ask for terabytes. Without this check the allocation fails late and vaguely
/// (an OutOfMemoryException, or an overflow in the array length).
/// </summary>
public static class KvCacheMemory
{
    /// <summary>Bytes one contiguous cache holds: keys and values of every layer and every slot, plus its positions.</summary>
    public static long ByteLength(KvCacheShape shape, int capacity, KvCacheFormat format)
    {
        // In double: a hostile shape may overflow long, and the result is only compared with a budget.
        double bytes = ByteEstimate(shape, capacity, format);
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>
    /// Memory a request may use: what the runtime reports as available to the process (physical memory, or a
    /// container's or <c>GCHeapHardLimit</c>'s limit); 0 when it reports nothing, which turns the budget check off.
    /// </summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Throws <see cref="KvCacheTooLargeException"/> unless <paramref name="cacheCount"/> caches of
    /// <paramref name="capacity"/> slots fit: each layer's keys and values of one cache (or pool slab) in one array, and
    /// all of them in <see cref="AvailableBytes"/>.
    /// </summary>
    public static void EnsureAllocatable(KvCacheShape shape, int capacity, KvCacheFormat format, int cacheCount = 1)
    {
        double one = ByteEstimate(shape, capacity, format);
        double total = one * cacheCount;
        long available = AvailableBytes;
        long required = total >= long.MaxValue ? long.MaxValue : (long)total;
        string caches = cacheCount == 1 ? "a KV cache" : $"{cacheCount} KV caches";
        double layerBytes = (double)capacity * shape.KvHeadCount
            * Math.Max(RowBytes(format.Keys, shape.KeyHeadDim), RowBytes(format.Values, shape.ValueHeadDim));
        if (layerBytes > Array.MaxLength)
            throw new KvCacheTooLargeException(
                $"{caches} of {capacity} tokens is too large: one layer's keys would take {layerBytes:0} bytes, more than an array can hold ({Array.MaxLength})",
                capacity, cacheCount, required, available);
        if (available > 0 && total > available)
            throw new KvCacheTooLargeException(
                $"{caches} of {capacity} tokens needs {Bytes(required)} ({shape.LayerCount} layers × {capacity} tokens × ({shape.KeyWidth} + {shape.ValueWidth}) {format}{(cacheCount == 1 ? "" : " each")}), more than the {Bytes(available)} of memory available",
                capacity, cacheCount, required, available);
    }

    private static double ByteEstimate(KvCacheShape shape, int capacity, KvCacheFormat format) =>
        (double)shape.LayerCount * capacity * shape.KvHeadCount
        * (RowBytes(format.Keys, shape.KeyHeadDim) + RowBytes(format.Values, shape.ValueHeadDim))
        + 4.0 * capacity;

    // In double, as KvCacheShape.RowBytes would overflow int for the head sizes a hostile file can claim.
    private static double RowBytes(KvCacheType type, int elements) => type switch
    {
        KvCacheType.F32 => 4.0 * elements,
        KvCacheType.F16 => 2.0 * elements,
        KvCacheType.Q8_0 => elements / 32 * 34.0,
        _ => elements / 32 * 18.0,
    };

    internal static string Bytes(long byteCount) => byteCount switch
    {
        < 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / 1024.0:0.#} KiB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 20):0.#} MiB"),
        < 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 30):0.#} GiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 40):0.#} TiB"),
    };
}
