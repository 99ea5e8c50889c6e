namespace Spindle.Constraints.Vocabulary;

/// <summary>
/// The tokens that are free text inside a JSON string, spelled from the start of a token: every byte printable ASCII
/// other than <c>"</c> and <c>\</c> (DEL included), or part of well-formed UTF-8 that starts on a character boundary (a
/// last character may be cut short). Most of a vocabulary is such text, and a lexer state inside an unconstrained string
/// allows all of it; precomputing the set lets a mask build copy it (llguidance's "slices") and walk only the rest of
/// the trie. Built once per <see cref="TokenTrie"/>, immutable except for the lazily filled per-length masks.
/// </summary>
public sealed class FreeTextSlice
{
    private readonly TokenTrie _trie;
    private readonly bool[] _pathInSlice;
    private readonly bool[] _subtreeInSlice;
    private readonly int[] _skip;
    private readonly int[] _tokensByLength; // slice tokens, shortest first
    private readonly int[] _countUpToLength; // [d] = slice tokens of at most d bytes
    private readonly ulong[]?[] _masks; // [d] = bitset of slice tokens of at most d bytes, built on first use
    private readonly Lock _lock = new();

    internal FreeTextSlice(TokenTrie trie)
    {
        _trie = trie;
        var bytes = trie.NodeBytes;
        var depths = trie.NodeDepths;
        var subtreeEnds = trie.SubtreeEnds;
        int nodeCount = bytes.Length;
        var pathInSlice = new bool[nodeCount];
        var utf8 = new int[trie.MaxDepth + 1]; // Utf8Prefix state of the current path at each depth
        pathInSlice[0] = true;
        var onPath = new int[trie.MaxDepth + 1]; // pathInSlice of the current path at each depth
        onPath[0] = 1;
        for (int node = 1; node < nodeCount; node++)
        {
            int depth = depths[node];
            utf8[depth] = Utf8Prefix.Step(utf8[depth - 1], bytes[node]);
            bool inSlice = onPath[depth - 1] == 1 && IsSliceByte(bytes[node]) && utf8[depth] != Utf8Prefix.Invalid;
            onPath[depth] = inSlice ? 1 : 0;
            pathInSlice[node] = inSlice;
        }

        _pathInSlice = pathInSlice;
        // A subtree is in the slice when its own path and every path below it are: and-ed up in reverse pre-order.
        _subtreeInSlice = (bool[])pathInSlice.Clone();
        _subtreeInSlice[0] = false;
        for (int node = nodeCount - 1; node > 0; node--)
            for (int child = node + 1; child < subtreeEnds[node] && _subtreeInSlice[node]; child = subtreeEnds[child])
                if (!_subtreeInSlice[child]) _subtreeInSlice[node] = false;

        // Skip pointers over runs of in-slice siblings (same parent, hence same lexer state in a walk).
        _skip = new int[nodeCount];
        for (int node = nodeCount - 1; node > 0; node--)
        {
            int next = subtreeEnds[node];
            _skip[node] = next < nodeCount && depths[next] == depths[node] && _subtreeInSlice[next] ? _skip[next] : next;
        }

        var tokenStarts = trie.TokenStarts;
        var tokens = trie.Tokens;
        var byLength = new List<(int Length, int Id)>();
        for (int node = 1; node < nodeCount; node++)
            if (pathInSlice[node])
                for (int t = tokenStarts[node]; t < tokenStarts[node + 1]; t++) byLength.Add((depths[node], tokens[t]));
        byLength.Sort();
        _tokensByLength = byLength.ConvertAll(x => x.Id).ToArray();
        _countUpToLength = new int[trie.MaxDepth + 1];
        foreach (var (length, _) in byLength) _countUpToLength[length]++;
        for (int d = 1; d <= trie.MaxDepth; d++) _countUpToLength[d] += _countUpToLength[d - 1];
        _masks = new ulong[]?[trie.MaxDepth + 1];
    }

    /// <summary>Whether <paramref name="value"/> may appear in a slice token (non-ASCII bytes subject to UTF-8 rules).</summary>
    public static bool IsSliceByte(byte value) => value >= 0x80 || (value >= 0x20 && value != (byte)'"' && value != (byte)'\\');

    /// <summary>Number of slice tokens.</summary>
    public int TokenCount => _tokensByLength.Length;

    /// <summary>Per trie node: the node's path from the root spells slice text (else no token at or below it is in the slice).</summary>
    internal ReadOnlySpan<bool> PathInSlice => _pathInSlice;

    /// <summary>Per trie node: the node's path from the root and every path below it spell slice text.</summary>
    internal ReadOnlySpan<bool> SubtreeInSlice => _subtreeInSlice;

    /// <summary>
    /// Per in-slice node: the first node after its subtree that is not an in-slice sibling (a later sibling, or the
    /// end of the parent's subtree), so a walk passes a run of in-slice siblings in one jump.
    /// </summary>
    internal ReadOnlySpan<int> SkipSiblings => _skip;

    /// <summary>The slice tokens of at most <paramref name="maxLength"/> bytes, as a bitset over token ids (shared: do not modify).</summary>
    internal ulong[] MaskUpTo(int maxLength)
    {
        int d = Math.Clamp(maxLength, 0, _trie.MaxDepth);
        if (Volatile.Read(ref _masks[d]) is { } cached) return cached;
        var mask = new ulong[(_trie.Vocabulary.TokenCount + 63) >> 6];
        for (int i = 0, end = _countUpToLength[d]; i < end; i++)
        {
            int id = _tokensByLength[i];
            mask[id >> 6] |= 1UL << (id & 63);
        }
        lock (_lock)
        {
            if (_masks[d] is { } raced) return raced;
            Volatile.Write(ref _masks[d], mask);
            return mask;
        }
    }
}
