using Spindle.Caching;

namespace Spindle.Serving;

/// <summary>
/// Keeps the KV blocks of past sequences so a later sequence that starts with the same tokens reuses them instead of
/// evaluating them again (vLLM's automatic prefix caching). Each full block is keyed by a hash chained over every token
/// from the start of the sequence up to the block's end, so a hit on block k implies the whole prefix before it
/// matches; the tokens are kept too and compared, so a hash collision is a miss, never a wrong hit.
/// The cache holds one reference to each block it keeps. A block nobody else references is evictable, least recently
/// used first; a lookup touches every block it matches, so a prefix's later blocks are never fresher than its earlier
/// ones and eviction trims prefixes from their ends. Not thread-safe: the batch engine's loop owns it.
/// </summary>
public sealed class PrefixCache
{
    private readonly KvBlockPool _pool;
    private readonly Dictionary<ulong, Entry> _entries = [];
    private readonly LinkedList<Entry> _recency = []; // first = least recently used

    public PrefixCache(KvBlockPool pool) => _pool = pool ?? throw new ArgumentNullException(nameof(pool));

    /// <summary>Blocks the cache holds a reference to.</summary>
    public int CachedBlocks => _entries.Count;

    /// <summary>
    /// The blocks that hold the longest cached prefix of <paramref name="tokens"/>, in order, written to
    /// <paramref name="blocks"/> (cleared first); returns the tokens they cover (a whole number of blocks).
    /// </summary>
    public int Match(ReadOnlySpan<int> tokens, List<int> blocks)
    {
        blocks.Clear();
        int slots = _pool.BlockSlots;
        ulong parent = Root;
        for (int start = 0; start + slots <= tokens.Length; start += slots)
        {
            var span = tokens.Slice(start, slots);
            ulong hash = Chain(parent, span);
            if (!_entries.TryGetValue(hash, out var entry) || entry.Parent != parent || !span.SequenceEqual(entry.Tokens)) break;
            _recency.Remove(entry.Node);
            _recency.AddLast(entry.Node);
            blocks.Add(entry.Block);
            parent = hash;
        }
        return blocks.Count * slots;
    }

    /// <summary>
    /// Remembers the full blocks of a sequence whose cache holds <paramref name="tokens"/> in the blocks of
    /// <paramref name="blockTable"/>. Blocks already cached (the same prefix) are only touched.
    /// </summary>
    public void Insert(ReadOnlySpan<int> tokens, ReadOnlySpan<int> blockTable)
    {
        int slots = _pool.BlockSlots;
        ulong parent = Root;
        for (int b = 0; (b + 1) * slots <= tokens.Length && b < blockTable.Length; b++)
        {
            var span = tokens.Slice(b * slots, slots);
            ulong hash = Chain(parent, span);
            if (_entries.TryGetValue(hash, out var existing))
            {
                // A collision with other tokens: leave the existing entry, and stop (later blocks would chain from it).
                if (existing.Parent != parent || !span.SequenceEqual(existing.Tokens)) return;
                _recency.Remove(existing.Node);
                _recency.AddLast(existing.Node);
            }
            else
            {
                _pool.Retain(blockTable[b]);
                var entry = new Entry(hash, parent, span.ToArray(), blockTable[b]);
                entry.Node = _recency.AddLast(entry);
                _entries.Add(hash, entry);
            }
            parent = hash;
        }
    }

    /// <summary>Cached blocks that only the cache references, which <see cref="Evict"/> can free.</summary>
    public int EvictableBlocks
    {
        get
        {
            int n = 0;
            foreach (var entry in _entries.Values)
                if (_pool.ReferenceCount(entry.Block) == 1) n++;
            return n;
        }
    }

    /// <summary>Frees up to <paramref name="blocks"/> evictable blocks, least recently used first; returns how many.</summary>
    public int Evict(int blocks)
    {
        int freed = 0;
        var node = _recency.First;
        while (node is not null && freed < blocks)
        {
            var next = node.Next;
            var entry = node.Value;
            if (_pool.ReferenceCount(entry.Block) == 1)
            {
                Remove(entry);
                freed++;
            }
            node = next;
        }
        return freed;
    }

    /// <summary>Drops every entry (blocks still used by sequences stay theirs).</summary>
    public void Clear()
    {
        foreach (var entry in _entries.Values) _pool.Release(entry.Block);
        _entries.Clear();
        _recency.Clear();
    }

    private void Remove(Entry entry)
    {
        _recency.Remove(entry.Node);
        _entries.Remove(entry.Hash);
        _pool.Release(entry.Block);
    }

    private const ulong Root = 0xcbf29ce484222325; // FNV-1a offset basis

    /// <summary>FNV-1a over the parent hash and the block's token ids, then a final avalanche (splitmix64).</summary>
    private static ulong Chain(ulong parent, ReadOnlySpan<int> tokens)
    {
        const ulong prime = 0x100000001b3;
        ulong h = (Root ^ parent) * prime;
        foreach (int t in tokens) h = (h ^ (uint)t) * prime;
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9;
        h ^= h >> 27;
        h *= 0x94d049bb133111eb;
        return h ^ (h >> 31);
    }

    private sealed class Entry(ulong hash, ulong parent, int[] tokens, int block)
    {
        public readonly ulong Hash = hash;
        public readonly ulong Parent = parent;
        public readonly int[] Tokens = tokens;
        public readonly int Block = block;
        public LinkedListNode<Entry> Node = null!;
    }
}
