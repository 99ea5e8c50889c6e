using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Decoding;

/// <summary>
/// One paged KV sequence per beam, all drawing on one <see cref="KvBlockPool"/>. When beams are selected, a parent's
/// sequence goes to its first child as it is; further children share the parent's blocks (no copy), and the first
/// token a child appends copies only the partly filled block it writes into. The common past of all beams — the prompt
/// and every shared prefix — is stored once.
/// </summary>
internal sealed class BeamCachePool : IDisposable
{
    private readonly KvBlockPool _blocks;
    private readonly PagedKvCache[] _caches;
    private readonly bool[] _claimed;
    private readonly long _copiedBefore;

    public BeamCachePool(Model model, int cacheCount, int promptLength, int maxNewTokens, KvCacheFormat format)
    {
        int capacity = promptLength + maxNewTokens;
        int blockSlots = KvBlockPool.DefaultBlockSlots;
        // Enough blocks for every beam to hold a whole context of its own, the case where beams share nothing.
        int perSequence = (capacity + blockSlots - 1) / blockSlots + 1;
        _blocks = model.CreateBlockPool(cacheCount * perSequence, format, blockSlots);
        _caches = new PagedKvCache[cacheCount];
        _claimed = new bool[cacheCount];
        for (int i = 0; i < cacheCount; i++) _caches[i] = _blocks.CreateSequence(capacity);
        _copiedBefore = _blocks.CopiedBlocks;
    }

    public int Count => _caches.Length;

    /// <summary>Slots copied so far because a beam wrote into a block it shared (whole blocks counted).</summary>
    public long CopiedSlots => (_blocks.CopiedBlocks - _copiedBefore) * _blocks.BlockSlots;

    public KvCache this[int index] => _caches[index];

    /// <summary>
    /// Gives each child beam a cache holding its parent's contents. <paramref name="parentCaches"/>[i] is the cache of
    /// child i's parent; on return <paramref name="childCaches"/>[i] is the child's cache, all distinct.
    /// </summary>
    public void Assign(ReadOnlySpan<int> parentCaches, Span<int> childCaches)
    {
        Array.Clear(_claimed);
        for (int i = 0; i < parentCaches.Length; i++)
        {
            int parent = parentCaches[i];
            if (!_claimed[parent])
            {
                _claimed[parent] = true;
                childCaches[i] = parent;
            }
            else
            {
                childCaches[i] = -1;
            }
        }
        // Unclaimed caches are nobody's parent, so overwriting them cannot destroy a source still to be shared.
        int free = 0;
        for (int i = 0; i < parentCaches.Length; i++)
        {
            if (childCaches[i] >= 0) continue;
            while (_claimed[free]) free++;
            _claimed[free] = true;
            _caches[parentCaches[i]].CopyTo(_caches[free]);
            childCaches[i] = free;
        }
    }

    public void Dispose()
    {
        foreach (var cache in _caches) cache.Dispose();
    }
}
