using System.Collections.Concurrent;
using System.Text;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>Options of a tokenizer.json "BPE" model.</summary>
internal sealed record HfBpeOptions(
    int UnknownId, bool ByteFallback, bool FuseUnknown, string? ContinuingSubwordPrefix, string? EndOfWordSuffix, bool IgnoreMerges);

/// <summary>
/// HF's BPE model on one pre-tokenized word: characters (with byte fallback to &lt;0xNN&gt; or the unknown token), then
/// repeatedly the adjacent pair with the lowest merge rank (leftmost on ties) is merged. Results are cached per word.
/// </summary>
internal sealed class HfBpeModel
{
    private const int MaxCachedWords = 1 << 16;
    private const int MaxCachedWordLength = 256; // without a pre-tokenizer a "word" is a whole text: not worth keeping

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<long, (int Rank, int MergedId)> _merges; // key: (left id << 32) | right id
    private readonly HfBpeOptions _options;
    private readonly int[] _byteTokenIds; // id of "<0xNN>" per byte, or -1
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public HfBpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, HfBpeOptions options)
    {
        _vocab = vocab;
        _options = options;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        int prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out int leftId))
                throw new FormatException($"tokenizer.json: merge {rank} '{left} {right}': '{left}' is not in the vocabulary");
            if (!vocab.TryGetValue(right, out int rightId))
                throw new FormatException($"tokenizer.json: merge {rank} '{left} {right}': '{right}' is not in the vocabulary");
            // With a continuation prefix the right part's prefix is dropped from the merged token ("##b" + "##c" → "##bc").
            string merged = left + (prefixLength > 0 && right.StartsWith(options.ContinuingSubwordPrefix!, StringComparison.Ordinal)
                ? right[prefixLength..] : right);
            if (!vocab.TryGetValue(merged, out int mergedId))
                throw new FormatException($"tokenizer.json: merge {rank} '{left} {right}': '{merged}' is not in the vocabulary");
            _merges.TryAdd(Key(leftId, rightId), (rank, mergedId)); // a repeated merge keeps its first rank
        }
        _byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) _byteTokenIds[b] = vocab.GetValueOrDefault($"<0x{b:X2}>", -1);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private HashSet<int>? _adjacentPairs;

    /// <summary>
    /// Whether a word may be cut between characters <paramref name="left"/> and <paramref name="right"/> and each part
    /// encoded alone with the whole word's ids. True when both are tokens of their own (no unknown or byte fallback
    /// symbol at the cut, which fuse_unk could join) and no token's text holds them side by side: a merge across the cut
    /// would make such a token, so none happens, and each side's merges come in the same rank order alone. Never with a
    /// continuing-subword prefix or end-of-word suffix, which mark a word's inner and last characters.
    /// </summary>
    public bool CanCutBetween(char left, char right)
    {
        if (_options.ContinuingSubwordPrefix is not null || _options.EndOfWordSuffix is not null) return false;
        var lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.ContainsKey([left]) || !lookup.ContainsKey([right])) return false;
        return !(_adjacentPairs ??= AdjacentPairs()).Contains((left << 16) | right);
    }

    private HashSet<int> AdjacentPairs()
    {
        var pairs = new HashSet<int>();
        foreach (string token in _vocab.Keys)
            for (int i = 1; i < token.Length; i++) pairs.Add((token[i - 1] << 16) | token[i]);
        return pairs;
    }

    public void Encode(string word, List<int> output)
    {
        if (!_cache.TryGetValue(word, out int[]? ids))
        {
            ids = EncodeUncached(word);
            if (word.Length <= MaxCachedWordLength && _cache.Count < MaxCachedWords) _cache.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    private int[] EncodeUncached(string word)
    {
        if (_options.IgnoreMerges && _vocab.TryGetValue(word, out int whole)) return [whole];

        var symbols = new List<int>(word.Length);
        // HF holds back an unknown token until a known character follows (byte-fallback tokens do not flush it), so
        // with fuse_unk a run of unknown characters becomes one token.
        bool unknownPending = false;
        string? prefix = _options.ContinuingSubwordPrefix;
        string? suffix = _options.EndOfWordSuffix;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            int length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            bool last = i + length == word.Length;
            var unit = word.AsSpan(i, length);
            int id = Lookup(unit, i > 0 ? prefix : null, last ? suffix : null);
            i += length;
            if (id >= 0)
            {
                if (unknownPending) symbols.Add(_options.UnknownId);
                unknownPending = false;
                symbols.Add(id);
            }
            else if (_options.ByteFallback && TryAddBytes(unit, utf8, symbols))
            {
                // bytes added; a pending unknown stays pending, as in HF
            }
            else if (_options.UnknownId >= 0)
            {
                if (unknownPending && !_options.FuseUnknown) symbols.Add(_options.UnknownId);
                unknownPending = true;
            }
        }
        if (unknownPending) symbols.Add(_options.UnknownId);

        return symbols.Count > 1 ? Merge(symbols) : symbols.ToArray();
    }

    // HF's Word::merge_all: a heap of candidate pairs ordered by (rank, position); entries whose symbols have changed
    // since they were queued are skipped. O(n log n), so a whole document with no pre-tokenizer is still fast.
    private int[] Merge(List<int> symbols)
    {
        int n = symbols.Count;
        var ids = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        var queue = new PriorityQueue<(int Position, int Left, int Right, int MergedId), long>(n);
        for (int i = 0; i + 1 < n; i++) TryQueue(queue, i, ids[i], ids[i + 1]);

        int alive = n;
        while (queue.TryDequeue(out var candidate, out _))
        {
            int left = candidate.Position;
            int right = next[left];
            if (ids[left] != candidate.Left || right < 0 || ids[right] != candidate.Right) continue; // stale
            ids[left] = candidate.MergedId;
            ids[right] = -1;
            int after = next[right];
            next[left] = after;
            if (after >= 0) prev[after] = left;
            alive--;
            if (prev[left] >= 0) TryQueue(queue, prev[left], ids[prev[left]], ids[left]);
            if (after >= 0) TryQueue(queue, left, ids[left], ids[after]);
        }

        var result = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) result[k++] = ids[i];
        return result;
    }

    private void TryQueue(PriorityQueue<(int, int, int, int), long> queue, int position, int left, int right)
    {
        if (_merges.TryGetValue(Key(left, right), out var merge))
            queue.Enqueue((position, left, right, merge.MergedId), ((long)merge.Rank << 32) | (uint)position);
    }

    private int Lookup(ReadOnlySpan<char> unit, string? prefix, string? suffix)
    {
        if (prefix == null && suffix == null)
        {
            var lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
            return lookup.TryGetValue(unit, out int id) ? id : -1;
        }
        return _vocab.TryGetValue(string.Concat(prefix, unit, suffix), out int withAffixes) ? withAffixes : -1;
    }

    // Byte fallback applies only when every byte of the character has a <0xNN> token.
    private bool TryAddBytes(ReadOnlySpan<char> unit, Span<byte> utf8, List<int> symbols)
    {
        int n = Encoding.UTF8.GetBytes(unit, utf8);
        for (int k = 0; k < n; k++)
        {
            if (_byteTokenIds[utf8[k]] < 0) return false;
        }
        for (int k = 0; k < n; k++) symbols.Add(_byteTokenIds[utf8[k]]);
        return true;
    }
}
