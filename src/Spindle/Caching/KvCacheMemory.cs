using System.Globalization;

namespace Spindle.Caching;

/// <summary>
/// What a KV cache of a given shape costs, checked before it is allocated: a context length comes from a request or
/// from a file's metadata, and either can ask for terabytes. Without this check the allocation fails late and vaguely
/// (an OutOfMemoryException, or an overflow in the array length).
/// </summary>
public static class KvCacheMemory
{
    /// <summary>
    /// Bytes one cache holds: keys and values of every layer (layers × capacity × (keyWidth + valueWidth) elements), its
    /// positions, and for an F16 cache the attention's F32 copy of one layer's keys and values.
    /// </summary>
    public static long ByteLength(int layerCount, int capacity, int keyWidth, int valueWidth, KvCacheType type)
    {
        // In double: a hostile shape may overflow long, and the result is only compared with a budget.
        double bytes = ByteEstimate(layerCount, capacity, keyWidth, valueWidth, type);
        return bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>
    /// Memory a request may use: what the runtime reports as available to the process (physical memory, or a
    /// container's or <c>GCHeapHardLimit</c>'s limit); 0 when it reports nothing, which turns the budget check off.
    /// </summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Throws <see cref="KvCacheTooLargeException"/> unless <paramref name="cacheCount"/> caches of this shape fit: each
    /// layer's keys and values in one array, and all of them in <see cref="AvailableBytes"/>.
    /// </summary>
    public static void EnsureAllocatable(int layerCount, int capacity, int keyWidth, int valueWidth, KvCacheType type, int cacheCount = 1)
    {
        double one = ByteEstimate(layerCount, capacity, keyWidth, valueWidth, type);
        double total = one * cacheCount;
        long available = AvailableBytes;
        long required = total >= long.MaxValue ? long.MaxValue : (long)total;
        string caches = cacheCount == 1 ? "a KV cache" : $"{cacheCount} KV caches";
        string shape = $"{layerCount} layers × {capacity} tokens × ({keyWidth} + {valueWidth}) values × {ElementBytes(type)} bytes";
        if ((long)capacity * Math.Max(keyWidth, valueWidth) > Array.MaxLength)
            throw new KvCacheTooLargeException(
                $"{caches} of {capacity} tokens is too large: one layer's keys would hold {(long)capacity * Math.Max(keyWidth, valueWidth)} values, more than an array can ({Array.MaxLength})",
                capacity, cacheCount, required, available);
        if (available > 0 && total > available)
            throw new KvCacheTooLargeException(
                $"{caches} of {capacity} tokens needs {Bytes(required)} ({shape}{(cacheCount == 1 ? "" : " each")}), more than the {Bytes(available)} of memory available",
                capacity, cacheCount, required, available);
    }

    private static double ByteEstimate(int layerCount, int capacity, int keyWidth, int valueWidth, KvCacheType type)
    {
        double widths = (double)keyWidth + valueWidth;
        double bytes = (double)layerCount * capacity * widths * ElementBytes(type) + 4.0 * capacity;
        if (type == KvCacheType.F16) bytes += (double)capacity * widths * sizeof(float);
        return bytes;
    }

    private static int ElementBytes(KvCacheType type) => type == KvCacheType.F16 ? 2 : 4;

    internal static string Bytes(long byteCount) => byteCount switch
    {
        < 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / 1024.0:0.#} KiB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 20):0.#} MiB"),
        < 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 30):0.#} GiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (double)(1L << 40):0.#} TiB"),
    };
}
