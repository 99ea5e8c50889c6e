namespace Spindle.Caching;

/// <summary>
/// One sequence whose slots live in blocks of a <see cref="KvBlockPool"/>, listed in a block table. <see cref="Fork"/>
/// and <see cref="KvCache.CopyTo"/> between sequences of one pool share blocks instead of copying them; the first write
/// into a shared block (a forked beam appending, a truncated sequence diverging) copies that one block. Dispose returns
/// the blocks to the pool.
/// </summary>
public sealed class PagedKvCache : KvCache
{
    private int[] _table;
    private int _blockCount;
    private bool _disposed;

    internal PagedKvCache(KvBlockPool pool, int capacity)
        : base(pool.Shape, pool.Format, capacity)
    {
        Pool = pool;
        _table = new int[Math.Min(BlocksFor(capacity), 16)];
    }

    public KvBlockPool Pool { get; }

    /// <summary>Blocks this sequence references, in slot order.</summary>
    public ReadOnlySpan<int> BlockTable => _table.AsSpan(0, _blockCount);

    internal override int BlockSlots => Pool.BlockSlots;

    internal override ref byte KeyBlock(int layer, int blockIndex) => ref Pool.KeyBlock(layer, _table[blockIndex]);

    internal override ref byte ValueBlock(int layer, int blockIndex) => ref Pool.ValueBlock(layer, _table[blockIndex]);

    internal override void Reserve(int additional)
    {
        if (_disposed) ThrowDisposed(this);
        EnsureRoom(additional);
        if (additional == 0) return;
        int needed = BlocksFor(Count + additional);
        int firstNew = _blockCount;
        bool copyLast = Count % BlockSlots != 0 && Pool.IsShared(_table[Count / BlockSlots]);
        if (needed - _blockCount + (copyLast ? 1 : 0) > Pool.FreeBlocks)
            throw new KvCacheFullException(
                $"the KV block pool is exhausted: {Pool.FreeBlocks} of {Pool.MaxBlocks} blocks of {Pool.BlockSlots} slots are free, {needed - _blockCount + (copyLast ? 1 : 0)} needed");
        if (needed > _table.Length) Array.Resize(ref _table, Math.Min(BlocksFor(Capacity), Math.Max(needed, 2 * _table.Length)));
        try
        {
            // A partly used last block that another sequence shares gets copied before this one writes after its end.
            if (Count % BlockSlots != 0) Unshare(Count / BlockSlots);
            while (_blockCount < needed) _table[_blockCount++] = AllocateOrThrow();
        }
        catch
        {
            while (_blockCount > firstNew) Pool.Release(_table[--_blockCount]);
            throw;
        }
    }

    protected override void ReleaseFrom(int count)
    {
        int keep = BlocksFor(count);
        while (_blockCount > keep) Pool.Release(_table[--_blockCount]);
    }

    protected override void MakeWritable(int start, int count)
    {
        if (count <= 0) return;
        for (int b = start / BlockSlots, last = (start + count - 1) / BlockSlots; b <= last && b < _blockCount; b++) Unshare(b);
    }

    protected override bool TryShareFrom(KvCache source)
    {
        if (source is not PagedKvCache paged || !ReferenceEquals(paged.Pool, Pool)) return false;
        int blocks = paged._blockCount;
        for (int b = 0; b < blocks; b++) Pool.Retain(paged._table[b]);
        ReleaseFrom(0);
        if (_table.Length < blocks) _table = new int[blocks];
        paged._table.AsSpan(0, blocks).CopyTo(_table);
        _blockCount = blocks;
        AdoptCountAndPositions(source);
        return true;
    }

    /// <summary>
    /// Makes this empty sequence start with <paramref name="blocks"/>, which hold the keys and values of tokens at
    /// positions 0 … <paramref name="tokenCount"/> − 1 (a prompt prefix another sequence computed, kept by a prefix
    /// cache). The blocks are shared, not copied: each gains a reference, and a write into the last, partly used one
    /// copies it first.
    /// </summary>
    public void AdoptPrefix(ReadOnlySpan<int> blocks, int tokenCount)
    {
        if (_disposed) ThrowDisposed(this);
        if (Count != 0) throw new InvalidOperationException("a prefix can only be adopted by an empty sequence");
        ArgumentOutOfRangeException.ThrowIfNegative(tokenCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tokenCount, Capacity);
        if (BlocksFor(tokenCount) != blocks.Length)
            throw new ArgumentException($"{tokenCount} tokens fill {BlocksFor(tokenCount)} blocks of {BlockSlots} slots, not {blocks.Length}", nameof(blocks));
        foreach (int block in blocks) Pool.Retain(block);
        if (_table.Length < blocks.Length) _table = new int[blocks.Length];
        blocks.CopyTo(_table);
        _blockCount = blocks.Length;
        AdoptSequentialSlots(tokenCount);
    }

    public override KvCache Fork(int? capacity = null)
    {
        var fork = Pool.CreateSequence(capacity ?? Capacity);
        CopyTo(fork);
        return fork;
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseFrom(0);
    }

    private void Unshare(int blockIndex)
    {
        int block = _table[blockIndex];
        if (!Pool.IsShared(block)) return;
        int copy = AllocateOrThrow();
        Pool.CopyBlock(block, copy);
        _table[blockIndex] = copy;
        Pool.Release(block);
    }

    private int AllocateOrThrow()
    {
        int block = Pool.TryAllocate();
        if (block < 0)
            throw new KvCacheFullException(
                $"the KV block pool is exhausted: all {Pool.MaxBlocks} blocks of {Pool.BlockSlots} slots are in use");
        return block;
    }

    private int BlocksFor(int slots) => (slots + Pool.BlockSlots - 1) / Pool.BlockSlots;
}
