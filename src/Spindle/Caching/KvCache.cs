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

    public KvCache(int layerCount, int capacity, int keyWidth, int valueWidth, KvCacheType type = KvCacheType.F16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(valueWidth, 1);
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
