using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Caching;

/// <summary>
/// Fixed-size blocks of KV storage shared by many <see cref="PagedKvCache"/> sequences (vLLM's block pool): each block
/// holds <see cref="BlockSlots"/> slots of every layer, is reference-counted, and goes back to the free list when no
/// sequence uses it. Sequences that share a prefix (forked beams, requests with a common prompt) point at the same
/// blocks; a sequence about to write into a shared block gets its own copy first (copy on write).
/// Storage is allocated in slabs of blocks as the pool grows, up to <see cref="MaxBlocks"/>, so an idle pool costs
/// little. Allocation and reference counts are thread-safe; block contents follow the sequences' own discipline.
/// </summary>
public sealed class KvBlockPool
{
    // Blocks per slab: one allocation per layer per slab amortizes the array headers and keeps slabs a few MiB.
    private const int SlabBlocks = 64;

    private readonly object _lock = new();
    private readonly List<Slab> _slabs = [];
    private readonly int[] _refCounts;
    private readonly Stack<int> _free = new();
    private int _fresh;

    public KvBlockPool(KvCacheShape shape, KvCacheFormat format, int maxBlocks, int blockSlots = DefaultBlockSlots)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSlots, 1);
        shape.Validate(format);
        // The whole pool, as if every block were allocated: a request's size must fail here, not at block 10,000.
        KvCacheMemory.EnsureAllocatable(shape, (int)Math.Min(int.MaxValue, (long)maxBlocks * blockSlots), format);
        Shape = shape;
        Format = format;
        BlockSlots = blockSlots;
        MaxBlocks = maxBlocks;
        KeyRowBytes = KvCacheShape.RowBytes(format.Keys, shape.KeyHeadDim);
        ValueRowBytes = KvCacheShape.RowBytes(format.Values, shape.ValueHeadDim);
        KeyBlockBytes = shape.KvHeadCount * blockSlots * KeyRowBytes;
        ValueBlockBytes = shape.KvHeadCount * blockSlots * ValueRowBytes;
        if ((long)KeyBlockBytes * SlabBlocks > Array.MaxLength || (long)ValueBlockBytes * SlabBlocks > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(blockSlots), $"blocks of {blockSlots} slots are too large for this shape");
        _refCounts = new int[maxBlocks];
    }

    /// <summary>vLLM's default: small enough that sharing wastes little, large enough that attention walks long runs.</summary>
    public const int DefaultBlockSlots = 32;

    public KvCacheShape Shape { get; }

    public KvCacheFormat Format { get; }

    public int BlockSlots { get; }

    public int MaxBlocks { get; }

    internal int KeyRowBytes { get; }

    internal int ValueRowBytes { get; }

    internal int KeyBlockBytes { get; }

    internal int ValueBlockBytes { get; }

    /// <summary>Blocks some sequence holds.</summary>
    public int UsedBlocks
    {
        get { lock (_lock) return _fresh - _free.Count; }
    }

    public int FreeBlocks => MaxBlocks - UsedBlocks;

    /// <summary>Blocks copied because a sequence wrote into a block it shared (copy on write), since the pool was made.</summary>
    public long CopiedBlocks => Interlocked.Read(ref _copiedBlocks);

    private long _copiedBlocks;

    /// <summary>Bytes of storage allocated so far (slabs are allocated as the pool grows).</summary>
    public long AllocatedBytes
    {
        get { lock (_lock) return (long)_slabs.Count * SlabBlocks * Shape.LayerCount * (KeyBlockBytes + ValueBlockBytes); }
    }

    /// <summary>Bytes the pool would hold with every block allocated.</summary>
    public static long ByteLength(KvCacheShape shape, KvCacheFormat format, int maxBlocks, int blockSlots = DefaultBlockSlots) =>
        (long)maxBlocks * shape.LayerCount * shape.KvHeadCount * blockSlots
        * (KvCacheShape.RowBytes(format.Keys, shape.KeyHeadDim) + KvCacheShape.RowBytes(format.Values, shape.ValueHeadDim));

    /// <summary>A new, empty sequence of at most <paramref name="capacity"/> slots drawing on this pool.</summary>
    public PagedKvCache CreateSequence(int capacity) => new(this, capacity);

    /// <summary>References to block <paramref name="block"/> (0 when free).</summary>
    public int ReferenceCount(int block)
    {
        lock (_lock) return _refCounts[block];
    }

    /// <summary>A free block with one reference, or −1 when the pool is exhausted.</summary>
    internal int TryAllocate()
    {
        lock (_lock)
        {
            int block;
            if (_free.Count > 0)
            {
                block = _free.Pop();
            }
            else
            {
                if (_fresh == MaxBlocks) return -1;
                block = _fresh;
                if (block / SlabBlocks == _slabs.Count) _slabs.Add(new Slab(Shape.LayerCount, KeyBlockBytes, ValueBlockBytes));
                _fresh++;
            }
            _refCounts[block] = 1;
            return block;
        }
    }

    internal void Retain(int block)
    {
        lock (_lock)
        {
            if (_refCounts[block] <= 0) throw new InvalidOperationException($"KV block {block} is free");
            _refCounts[block]++;
        }
    }

    internal void Release(int block)
    {
        lock (_lock)
        {
            if (_refCounts[block] <= 0) throw new InvalidOperationException($"KV block {block} released twice");
            if (--_refCounts[block] == 0) _free.Push(block);
        }
    }

    internal bool IsShared(int block)
    {
        lock (_lock) return _refCounts[block] > 1;
    }

    internal ref byte KeyBlock(int layer, int block) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slabs[block / SlabBlocks].Keys[layer]), (block % SlabBlocks) * KeyBlockBytes);

    internal ref byte ValueBlock(int layer, int block) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slabs[block / SlabBlocks].Values[layer]), (block % SlabBlocks) * ValueBlockBytes);

    /// <summary>Copies every layer of block <paramref name="source"/> into <paramref name="destination"/>.</summary>
    internal void CopyBlock(int source, int destination)
    {
        Interlocked.Increment(ref _copiedBlocks);
        for (int l = 0; l < Shape.LayerCount; l++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref KeyBlock(l, source), KeyBlockBytes).CopyTo(MemoryMarshal.CreateSpan(ref KeyBlock(l, destination), KeyBlockBytes));
            MemoryMarshal.CreateReadOnlySpan(ref ValueBlock(l, source), ValueBlockBytes).CopyTo(MemoryMarshal.CreateSpan(ref ValueBlock(l, destination), ValueBlockBytes));
        }
    }

    private sealed class Slab
    {
        public readonly byte[][] Keys;
        public readonly byte[][] Values;

        public Slab(int layers, int keyBlockBytes, int valueBlockBytes)
        {
            Keys = new byte[layers][];
            Values = new byte[layers][];
            for (int l = 0; l < layers; l++)
            {
                Keys[l] = KvRows.Allocate((long)SlabBlocks * keyBlockBytes);
                Values[l] = KvRows.Allocate((long)SlabBlocks * valueBlockBytes);
            }
        }
    }
}
