using System.Numerics.Tensors;

namespace Spindle.Caching;

/// <summary>
/// Keys and values of one sequence, per layer: slot s holds the (post-RoPE) key and the value of the token stored at
/// that slot, all KV heads side by side (<see cref="KeyWidth"/> = kvHeads × keyHeadDim). <see cref="Count"/> slots are in
/// use; <see cref="Truncate"/> drops the newest ones (speculative decoding rolls back rejected drafts this way).
/// Each slot also records the token's position, so a batch may place tokens at positions other than their slot index
/// (tree attention, shifted contexts). Memory is allocated once, for <see cref="Capacity"/> slots.
/// </summary>
public sealed class KvCache
{
    private readonly Half[][]? _keysF16;
    private readonly Half[][]? _valuesF16;
    private readonly float[][]? _keysF32;
    private readonly float[][]? _valuesF32;
    private readonly int[] _positions;

    /// <exception cref="KvCacheTooLargeException">the cache would not fit in memory (checked before allocating).</exception>
    public KvCache(int layerCount, int capacity, int keyWidth, int valueWidth, KvCacheType type = KvCacheType.F16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(valueWidth, 1);
        KvCacheMemory.EnsureAllocatable(layerCount, capacity, keyWidth, valueWidth, type);
        LayerCount = layerCount;
        Capacity = capacity;
        KeyWidth = keyWidth;
        ValueWidth = valueWidth;
        Type = type;
        _positions = new int[capacity];
        if (type == KvCacheType.F16)
        {
            _keysF16 = new Half[layerCount][];
            _valuesF16 = new Half[layerCount][];
            for (int l = 0; l < layerCount; l++)
            {
                _keysF16[l] = new Half[(long)capacity * keyWidth];
                _valuesF16[l] = new Half[(long)capacity * valueWidth];
            }
        }
        else
        {
            _keysF32 = new float[layerCount][];
            _valuesF32 = new float[layerCount][];
            for (int l = 0; l < layerCount; l++)
            {
                _keysF32[l] = new float[(long)capacity * keyWidth];
                _valuesF32[l] = new float[(long)capacity * valueWidth];
            }
        }
    }

    public int LayerCount { get; }

    /// <summary>Slots available: the context length.</summary>
    public int Capacity { get; }

    public int KeyWidth { get; }

    public int ValueWidth { get; }

    public KvCacheType Type { get; }

    /// <summary>Slots in use.</summary>
    public int Count { get; private set; }

    /// <summary>Position of the token in each used slot.</summary>
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);

    /// <summary>Keeps the first <paramref name="count"/> slots and forgets the rest.</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        Count = count;
    }

    public void Clear() => Count = 0;

    /// <summary>
    /// Makes <paramref name="destination"/> hold this cache's slots: slots before <paramref name="fromSlot"/> are kept as
    /// they are (the caller knows they already match, e.g. a shared prompt), slots [fromSlot, Count) are copied and the
    /// destination's count becomes <see cref="Count"/>. Cost: (Count − fromSlot) × layers × (key + value width) elements,
    /// which is why beam search passes the length of the prefix two beams share.
    /// </summary>
    public void CopyTo(KvCache destination, int fromSlot = 0)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (ReferenceEquals(destination, this)) throw new ArgumentException("a cache cannot be copied onto itself", nameof(destination));
        if (destination.LayerCount != LayerCount || destination.KeyWidth != KeyWidth || destination.ValueWidth != ValueWidth
            || destination.Type != Type)
            throw new ArgumentException("the destination cache has a different shape or type", nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(fromSlot);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSlot, Math.Min(Count, destination.Count), nameof(fromSlot));
        if (Count > destination.Capacity)
            throw new KvCacheFullException($"cannot copy {Count} slots into a cache of {destination.Capacity}");
        int slots = Count - fromSlot;
        for (int l = 0; l < LayerCount; l++)
        {
            if (_keysF16 != null)
            {
                _keysF16[l].AsSpan(fromSlot * KeyWidth, slots * KeyWidth).CopyTo(destination._keysF16![l].AsSpan(fromSlot * KeyWidth));
                _valuesF16![l].AsSpan(fromSlot * ValueWidth, slots * ValueWidth).CopyTo(destination._valuesF16![l].AsSpan(fromSlot * ValueWidth));
            }
            else
            {
                _keysF32![l].AsSpan(fromSlot * KeyWidth, slots * KeyWidth).CopyTo(destination._keysF32![l].AsSpan(fromSlot * KeyWidth));
                _valuesF32![l].AsSpan(fromSlot * ValueWidth, slots * ValueWidth).CopyTo(destination._valuesF32![l].AsSpan(fromSlot * ValueWidth));
            }
        }
        _positions.AsSpan(fromSlot, slots).CopyTo(destination._positions.AsSpan(fromSlot));
        destination.Count = Count;
    }

    /// <summary>A new cache (of <paramref name="capacity"/> slots, this one's by default) holding a copy of this one's slots.</summary>
    public KvCache Fork(int? capacity = null)
    {
        var fork = new KvCache(LayerCount, capacity ?? Capacity, KeyWidth, ValueWidth, Type);
        CopyTo(fork);
        return fork;
    }

    /// <summary>
    /// Overwrites used slot <paramref name="destination"/> with slot <paramref name="source"/> (key, value and position),
    /// e.g. to keep the chosen one of several candidates evaluated side by side before truncating the rest.
    /// </summary>
    public void CopySlot(int source, int destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(source);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(source, Count);
        ArgumentOutOfRangeException.ThrowIfNegative(destination);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(destination, Count);
        if (source == destination) return;
        for (int l = 0; l < LayerCount; l++)
        {
            if (_keysF16 != null)
            {
                _keysF16[l].AsSpan(source * KeyWidth, KeyWidth).CopyTo(_keysF16[l].AsSpan(destination * KeyWidth));
                _valuesF16![l].AsSpan(source * ValueWidth, ValueWidth).CopyTo(_valuesF16[l].AsSpan(destination * ValueWidth));
            }
            else
            {
                _keysF32![l].AsSpan(source * KeyWidth, KeyWidth).CopyTo(_keysF32[l].AsSpan(destination * KeyWidth));
                _valuesF32![l].AsSpan(source * ValueWidth, ValueWidth).CopyTo(_valuesF32[l].AsSpan(destination * ValueWidth));
            }
        }
        _positions[destination] = _positions[source];
    }

    /// <summary>Throws unless <paramref name="additional"/> more slots fit.</summary>
    public void EnsureRoom(int additional)
    {
        if ((long)Count + additional > Capacity)
            throw new KvCacheFullException(
                $"context is full: {Count} tokens cached + {additional} new exceed the context length of {Capacity}");
    }

    /// <summary>Stores a token's key and value rows of <paramref name="layer"/> at <paramref name="slot"/> (slots ≥ Count are staged, not yet committed).</summary>
    public void Write(int layer, int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        if (_keysF16 != null)
        {
            TensorPrimitives.ConvertToHalf(key.Slice(0, KeyWidth), _keysF16[layer].AsSpan(slot * KeyWidth, KeyWidth));
            TensorPrimitives.ConvertToHalf(value.Slice(0, ValueWidth), _valuesF16![layer].AsSpan(slot * ValueWidth, ValueWidth));
        }
        else
        {
            key.Slice(0, KeyWidth).CopyTo(_keysF32![layer].AsSpan(slot * KeyWidth, KeyWidth));
            value.Slice(0, ValueWidth).CopyTo(_valuesF32![layer].AsSpan(slot * ValueWidth, ValueWidth));
        }
    }

    internal void SetPosition(int slot, int position) => _positions[slot] = position;

    /// <summary>Marks <paramref name="count"/> staged slots after <see cref="Count"/> as used.</summary>
    internal void Commit(int count)
    {
        EnsureRoom(count);
        Count += count;
    }

    internal int PositionAt(int slot) => _positions[slot];

    internal Half[]? KeysF16(int layer) => _keysF16?[layer];

    internal Half[]? ValuesF16(int layer) => _valuesF16?[layer];

    internal float[]? KeysF32(int layer) => _keysF32?[layer];

    internal float[]? ValuesF32(int layer) => _valuesF32?[layer];
}
