using System.Runtime.CompilerServices;

namespace Spindle.Caching;

/// <summary>
/// The keys and values of one sequence, per layer: slot s holds the (post-RoPE) key and the value of the token stored
/// there. <see cref="Count"/> slots are in use; each also records its token's position, so a batch may place tokens at
/// positions other than their slot index (tree attention, shifted contexts).
/// <para>
/// Storage comes in blocks of <see cref="BlockSlots"/> slots; within a block of one layer, each KV head's rows are
/// contiguous (head-major), so attention streams one head's keys without striding over the others. Two layouts:
/// <see cref="ContiguousKvCache"/> (one block as long as the context) and <see cref="PagedKvCache"/> (fixed-size blocks
/// from a shared <see cref="KvBlockPool"/>, shared between sequences and copied on the first divergent write).
/// </para>
/// Not thread-safe: one forward pass or operation at a time per cache.
/// </summary>
public abstract class KvCache : IDisposable
{
    private readonly int[] _positions;

    protected KvCache(KvCacheShape shape, KvCacheFormat format, int capacity)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        shape.Validate(format);
        Shape = shape;
        Format = format;
        Capacity = capacity;
        KeyRowBytes = KvCacheShape.RowBytes(format.Keys, shape.KeyHeadDim);
        ValueRowBytes = KvCacheShape.RowBytes(format.Values, shape.ValueHeadDim);
        _positions = new int[capacity];
    }

    public KvCacheShape Shape { get; }

    public KvCacheFormat Format { get; }

    public int LayerCount => Shape.LayerCount;

    public int KeyWidth => Shape.KeyWidth;

    public int ValueWidth => Shape.ValueWidth;

    /// <summary>Most slots this sequence may hold: its context length.</summary>
    public int Capacity { get; }

    /// <summary>Slots in use.</summary>
    public int Count { get; private set; }

    /// <summary>Position of the token in each used slot.</summary>
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);

    /// <summary>Bytes of one head's key row in the cache's key type.</summary>
    internal int KeyRowBytes { get; }

    internal int ValueRowBytes { get; }

    /// <summary>Slots per storage block.</summary>
    internal abstract int BlockSlots { get; }

    /// <summary>
    /// The start of logical block <paramref name="blockIndex"/> (slots [b·BlockSlots, (b+1)·BlockSlots)) of
    /// <paramref name="layer"/>'s keys: KV head h's rows start h·BlockSlots·KeyRowBytes further, one row per slot.
    /// Valid only for blocks that hold used or reserved slots.
    /// </summary>
    internal abstract ref byte KeyBlock(int layer, int blockIndex);

    internal abstract ref byte ValueBlock(int layer, int blockIndex);

    /// <summary>
    /// Makes slots [Count, Count + additional) writable: storage exists and belongs to this sequence alone (a paged
    /// cache allocates blocks and copies a shared partial block). Throws <see cref="KvCacheFullException"/> and changes
    /// nothing visible when the context or the pool has no room.
    /// </summary>
    internal abstract void Reserve(int additional);

    /// <summary>Drops slots [count, Count); a paged cache returns blocks it no longer uses.</summary>
    protected abstract void ReleaseFrom(int count);

    /// <summary>Keeps the first <paramref name="count"/> slots and forgets the rest.</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        ReleaseFrom(count);
        Count = count;
    }

    public void Clear() => Truncate(0);

    /// <summary>Throws unless <paramref name="additional"/> more slots fit in the context.</summary>
    public void EnsureRoom(int additional)
    {
        if ((long)Count + additional > Capacity)
            throw new KvCacheFullException(
                $"context is full: {Count} tokens cached + {additional} new exceed the context length of {Capacity}");
    }

    /// <summary>A new cache holding this one's slots: a paged cache shares its blocks, a contiguous one copies them.</summary>
    public abstract KvCache Fork(int? capacity = null);

    /// <summary>
    /// Makes <paramref name="destination"/> hold this cache's slots and count. Slots before <paramref name="fromSlot"/>
    /// are kept as they are (the caller knows they already match, e.g. a shared prompt); the rest are copied, or shared
    /// when both caches are paged in the same pool.
    /// </summary>
    public void CopyTo(KvCache destination, int fromSlot = 0)
    {
        CheckCompatible(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSlot);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSlot, Math.Min(Count, destination.Count), nameof(fromSlot));
        if (Count > destination.Capacity)
            throw new KvCacheFullException($"cannot copy {Count} slots into a cache of {destination.Capacity}");
        if (destination.TryShareFrom(this)) return;
        destination.Truncate(fromSlot);
        CopySlots(fromSlot, Count - fromSlot, destination, fromSlot);
    }

    /// <summary>
    /// Copies slots [sourceStart, sourceStart + count) of this cache (keys, values and positions) to slots from
    /// <paramref name="destinationStart"/> of <paramref name="destination"/>, which may be this cache. The destination
    /// range must start within its used slots (or right after them); its count grows to cover the range.
    /// </summary>
    public void CopySlots(int sourceStart, int count, KvCache destination, int destinationStart)
    {
        CheckCompatible(destination, allowSelf: true);
        ArgumentOutOfRangeException.ThrowIfNegative(sourceStart);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceStart + (long)count, Count, nameof(count));
        ArgumentOutOfRangeException.ThrowIfNegative(destinationStart);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destinationStart, destination.Count, nameof(destinationStart));
        if (count == 0) return;
        if ((long)destinationStart + count > destination.Capacity)
            throw new KvCacheFullException($"slots {destinationStart}..{destinationStart + count} exceed the destination's context of {destination.Capacity}");
        int grow = Math.Max(0, destinationStart + count - destination.Count);
        destination.Reserve(grow);
        destination.MakeWritable(destinationStart, count - grow);
        // Overlapping ranges within one cache copy in the direction that reads each slot before it is overwritten.
        bool backwards = ReferenceEquals(this, destination) && destinationStart > sourceStart;
        for (int i = 0; i < count; i++)
        {
            int k = backwards ? count - 1 - i : i;
            CopyRow(sourceStart + k, destination, destinationStart + k);
            destination._positions[destinationStart + k] = _positions[sourceStart + k];
        }
        destination.Count += grow;
    }

    /// <summary>
    /// Overwrites used slot <paramref name="destination"/> with slot <paramref name="source"/> (key, value and position),
    /// e.g. to keep the chosen one of several candidates evaluated side by side before truncating the rest.
    /// </summary>
    public void CopySlot(int source, int destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(destination, Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(source, Count);
        if (source != destination) CopySlots(source, 1, this, destination);
    }

    /// <summary>
    /// Adds <paramref name="delta"/> to the positions of slots [fromSlot, toSlot) and rotates their keys to match, as
    /// llama.cpp's K-shift does: RoPE rotations compose, so a key rotated for position p and then by δ equals the key
    /// rotated for p + δ (up to the cache type's rounding). <paramref name="rotate"/> applies the model's rotation by δ
    /// to one head's key row in fp32 (see <c>Model.ShiftPositions</c>).
    /// </summary>
    internal void ShiftPositions(int fromSlot, int toSlot, int delta, RowRotation rotate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSlot);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(toSlot, Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSlot, toSlot);
        if (fromSlot == toSlot || delta == 0) return;
        for (int s = fromSlot; s < toSlot; s++)
        {
            long shifted = (long)_positions[s] + delta;
            if (shifted < 0 || shifted > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(delta), $"shifting slot {s} (position {_positions[s]}) by {delta} leaves the position range");
        }
        MakeWritable(fromSlot, toSlot - fromSlot);
        int kd = Shape.KeyHeadDim;
        Span<float> row = kd <= 512 ? stackalloc float[kd] : new float[kd];
        for (int layer = 0; layer < LayerCount; layer++)
        {
            for (int s = fromSlot; s < toSlot; s++)
            {
                for (int h = 0; h < Shape.KvHeadCount; h++)
                {
                    var bytes = KeyRow(layer, h, s);
                    KvRows.Load(Format.Keys, bytes, row);
                    rotate(row);
                    KvRows.Store(Format.Keys, row, bytes);
                }
            }
        }
        for (int s = fromSlot; s < toSlot; s++) _positions[s] += delta;
    }

    /// <summary>Rotates one key head row in place.</summary>
    internal delegate void RowRotation(Span<float> row);

    /// <summary>Stores a token's keys and values (all KV heads side by side) of <paramref name="layer"/> at a reserved or used slot.</summary>
    internal void Write(int layer, int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int kd = Shape.KeyHeadDim, vd = Shape.ValueHeadDim;
        for (int h = 0; h < Shape.KvHeadCount; h++)
        {
            KvRows.Store(Format.Keys, key.Slice(h * kd, kd), KeyRow(layer, h, slot));
            KvRows.Store(Format.Values, value.Slice(h * vd, vd), ValueRow(layer, h, slot));
        }
    }

    /// <summary>Reads one head's key row back as fp32 (tests, diagnostics).</summary>
    public void ReadKey(int layer, int kvHead, int slot, Span<float> destination)
    {
        CheckSlot(layer, kvHead, slot);
        KvRows.Load(Format.Keys, KeyRow(layer, kvHead, slot), destination.Slice(0, Shape.KeyHeadDim));
    }

    public void ReadValue(int layer, int kvHead, int slot, Span<float> destination)
    {
        CheckSlot(layer, kvHead, slot);
        KvRows.Load(Format.Values, ValueRow(layer, kvHead, slot), destination.Slice(0, Shape.ValueHeadDim));
    }

    internal void SetPosition(int slot, int position) => _positions[slot] = position;

    internal int PositionAt(int slot) => _positions[slot];

    /// <summary>Marks <paramref name="count"/> reserved slots after <see cref="Count"/> as used.</summary>
    internal void Commit(int count)
    {
        EnsureRoom(count);
        Count += count;
    }

    /// <summary>Makes used slots [start, start + count) safe to overwrite (a paged cache unshares their blocks).</summary>
    protected virtual void MakeWritable(int start, int count)
    {
    }

    /// <summary>Takes <paramref name="source"/>'s slots without copying when the layouts allow it (paged, same pool).</summary>
    protected virtual bool TryShareFrom(KvCache source) => false;

    /// <summary>For implementations that adopt another cache's slots wholesale.</summary>
    protected void AdoptCountAndPositions(KvCache source)
    {
        source._positions.AsSpan(0, source.Count).CopyTo(_positions);
        Count = source.Count;
    }

    /// <summary>For implementations that adopt slots holding tokens at positions 0 … count − 1 (a cached prompt prefix).</summary>
    protected void AdoptSequentialSlots(int count)
    {
        for (int i = 0; i < count; i++) _positions[i] = i;
        Count = count;
    }

    internal Span<byte> KeyRow(int layer, int kvHead, int slot)
    {
        int b = BlockSlots;
        ref byte block = ref KeyBlock(layer, slot / b);
        return KvRows.Row(ref block, (kvHead * b + slot % b) * KeyRowBytes, KeyRowBytes);
    }

    internal Span<byte> ValueRow(int layer, int kvHead, int slot)
    {
        int b = BlockSlots;
        ref byte block = ref ValueBlock(layer, slot / b);
        return KvRows.Row(ref block, (kvHead * b + slot % b) * ValueRowBytes, ValueRowBytes);
    }

    private void CopyRow(int sourceSlot, KvCache destination, int destinationSlot)
    {
        for (int layer = 0; layer < LayerCount; layer++)
        {
            for (int h = 0; h < Shape.KvHeadCount; h++)
            {
                KeyRow(layer, h, sourceSlot).CopyTo(destination.KeyRow(layer, h, destinationSlot));
                ValueRow(layer, h, sourceSlot).CopyTo(destination.ValueRow(layer, h, destinationSlot));
            }
        }
    }

    private void CheckSlot(int layer, int kvHead, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, LayerCount);
        ArgumentOutOfRangeException.ThrowIfNegative(kvHead);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(kvHead, Shape.KvHeadCount);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Count);
    }

    private void CheckCompatible(KvCache destination, bool allowSelf = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!allowSelf && ReferenceEquals(destination, this)) throw new ArgumentException("a cache cannot be copied onto itself", nameof(destination));
        if (destination.Shape != Shape || destination.Format != Format)
            throw new ArgumentException($"the destination cache has a different shape or type ({destination.Format} vs {Format})", nameof(destination));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private protected static void ThrowDisposed(object owner) => throw new ObjectDisposedException(owner.GetType().Name);
}
