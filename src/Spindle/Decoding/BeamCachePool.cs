using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Decoding;

/// <summary>
/// One KV cache per beam, all starting with the same prompt. When beams are selected, a parent's cache goes to its first
/// child without copying; further children get an unused cache overwritten with the parent's contents (copy on select).
/// Only the slots after the prefix the two caches already share are copied: every cache holds the prompt, and caches
/// with a common ancestor hold byte-identical slots for their common token prefix, so a copy costs
/// (divergent suffix) × layers × (key + value width) elements rather than the whole context. A shared-prefix scheme
/// (paged caches, one copy of the common past) would avoid even that; future work.
/// </summary>
internal sealed class BeamCachePool
{
    private readonly KvCache[] _caches;
    private readonly int[][] _generated;   // tokens each cache holds after the prompt
    private readonly int[] _generatedCount;
    private readonly bool[] _claimed;
    private readonly int _promptLength;

    public BeamCachePool(Model model, int cacheCount, int promptLength, int maxNewTokens, KvCacheType type)
    {
        _promptLength = promptLength;
        // All at once, before the first: beams × context can exceed memory even when one cache fits.
        var c = model.Config;
        KvCacheMemory.EnsureAllocatable(c.LayerCount, promptLength + maxNewTokens, c.KeyWidth, c.ValueWidth, type, cacheCount);
        _caches = new KvCache[cacheCount];
        _generated = new int[cacheCount][];
        _generatedCount = new int[cacheCount];
        _claimed = new bool[cacheCount];
        for (int i = 0; i < cacheCount; i++)
        {
            _caches[i] = model.CreateCache(type, promptLength + maxNewTokens);
            _generated[i] = new int[maxNewTokens];
        }
    }

    public int Count => _caches.Length;

    /// <summary>Slots copied so far by <see cref="Assign"/>, to report the cost of copy-on-select.</summary>
    public long CopiedSlots { get; private set; }

    public KvCache this[int index] => _caches[index];

    /// <summary>Records that a forward pass appended <paramref name="token"/> to cache <paramref name="index"/>.</summary>
    public void Appended(int index, int token) => _generated[index][_generatedCount[index]++] = token;

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
        // Unclaimed caches are nobody's parent, so overwriting them cannot destroy a source still to be copied.
        int free = 0;
        for (int i = 0; i < parentCaches.Length; i++)
        {
            if (childCaches[i] >= 0) continue;
            while (_claimed[free]) free++;
            _claimed[free] = true;
            CopyInto(parentCaches[i], free);
            childCaches[i] = free;
        }
    }

    private void CopyInto(int source, int destination)
    {
        KvCache src = _caches[source], dst = _caches[destination];
        int fromSlot = 0;
        if (dst.Count >= _promptLength)
        {
            var a = _generated[source].AsSpan(0, _generatedCount[source]);
            var b = _generated[destination].AsSpan(0, _generatedCount[destination]);
            fromSlot = _promptLength + a.CommonPrefixLength(b);
        }
        src.CopyTo(dst, fromSlot);
        CopiedSlots += src.Count - fromSlot;
        _generated[source].AsSpan(0, _generatedCount[source]).CopyTo(_generated[destination]);
        _generatedCount[destination] = _generatedCount[source];
    }
}
