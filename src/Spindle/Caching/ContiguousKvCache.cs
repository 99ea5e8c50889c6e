using System.Runtime.InteropServices;

namespace Spindle.Caching;

/// <summary>
/// A cache allocated once for its whole context: per layer one array of keys and one of values, each KV head's rows
/// contiguous (head-major), so it is a single block of <see cref="KvCache.Capacity"/> slots. Pages of the arrays that no
/// slot has reached yet are never touched, so a long context costs resident memory only as it fills.
/// </summary>
public sealed class ContiguousKvCache : KvCache
{
    private readonly byte[][] _keys;
    private readonly byte[][] _values;

    /// <exception cref="KvCacheTooLargeException">the cache would not fit in memory (checked before allocating).</exception>
    public ContiguousKvCache(KvCacheShape shape, int capacity, KvCacheFormat format)
        : base(shape, format, Checked(shape, capacity, format))
    {
        long keyBytes = (long)capacity * shape.KvHeadCount * KeyRowBytes;
        long valueBytes = (long)capacity * shape.KvHeadCount * ValueRowBytes;
        _keys = new byte[shape.LayerCount][];
        _values = new byte[shape.LayerCount][];
        for (int l = 0; l < shape.LayerCount; l++)
        {
            _keys[l] = KvRows.Allocate(keyBytes);
            _values[l] = KvRows.Allocate(valueBytes);
        }
    }

    private static int Checked(KvCacheShape shape, int capacity, KvCacheFormat format)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        KvCacheMemory.EnsureAllocatable(shape, capacity, format);
        return capacity;
    }

    /// <summary>Bytes this cache holds for its whole context, keys and values, all layers.</summary>
    public static long ByteLength(KvCacheShape shape, int capacity, KvCacheFormat format) =>
        (long)shape.LayerCount * capacity * shape.KvHeadCount
        * (KvCacheShape.RowBytes(format.Keys, shape.KeyHeadDim) + KvCacheShape.RowBytes(format.Values, shape.ValueHeadDim));

    internal override int BlockSlots => Capacity;

    internal override ref byte KeyBlock(int layer, int blockIndex) => ref MemoryMarshal.GetArrayDataReference(_keys[layer]);

    internal override ref byte ValueBlock(int layer, int blockIndex) => ref MemoryMarshal.GetArrayDataReference(_values[layer]);

    internal override void Reserve(int additional) => EnsureRoom(additional);

    protected override void ReleaseFrom(int count)
    {
    }

    public override KvCache Fork(int? capacity = null)
    {
        var fork = new ContiguousKvCache(Shape, capacity ?? Capacity, Format);
        CopyTo(fork);
        return fork;
    }
}
