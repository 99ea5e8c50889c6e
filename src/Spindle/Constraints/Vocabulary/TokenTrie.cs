namespace Spindle.Constraints.Vocabulary;

/// <summary>
/// All non-special tokens' byte strings as a trie laid out in depth-first pre-order in flat arrays (no node objects).
/// Node 0 is the root (depth 0, no byte). A node's subtree is the index range [node, SubtreeEnd(node)), so a walk skips a
/// rejected prefix with one jump, and the node at index i+1 (if inside the subtree) is i's first child. Built once per
/// vocabulary; immutable and shared by every sequence and grammar.
/// </summary>
public sealed class TokenTrie
{
    private readonly byte[] _byte;
    private readonly ushort[] _depth;
    private readonly int[] _subtreeEnd;
    private readonly int[] _tokenStart; // node i's tokens are _tokens[_tokenStart[i] .. _tokenStart[i + 1])
    private readonly int[] _tokens;
    private readonly ulong[] _subtreeByteGroups; // two words per node, see ByteGroup
    private readonly byte[] _utf8Flags;
    private readonly ushort[] _subtreeMaxDepth;

    public TokenTrie(IConstraintVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Vocabulary = vocabulary;
        var ids = new List<int>(vocabulary.TokenCount);
        var endOfGeneration = new HashSet<int>(vocabulary.EndOfGenerationIds.ToArray());
        for (int id = 0; id < vocabulary.TokenCount; id++)
            if (!vocabulary.IsSpecial(id) && !endOfGeneration.Contains(id) && vocabulary.TokenBytes(id).Length > 0) ids.Add(id);
        ids.Sort((a, b) =>
        {
            int c = vocabulary.TokenBytes(a).SequenceCompareTo(vocabulary.TokenBytes(b));
            return c != 0 ? c : a.CompareTo(b);
        });

        var bytes = new List<byte> { 0 };
        var depth = new List<ushort> { 0 };
        var subtreeEnd = new List<int> { 0 };
        var tokenNode = new List<int>(ids.Count);
        var path = new List<int> { 0 }; // node index at each depth of the current path
        byte[] previous = [];
        int maxDepth = 0;
        foreach (int id in ids)
        {
            ReadOnlySpan<byte> t = vocabulary.TokenBytes(id);
            if (t.Length > ushort.MaxValue) throw new ArgumentException($"token {id} is longer than {ushort.MaxValue} bytes");
            int common = t.CommonPrefixLength(previous);
            for (int d = path.Count - 1; d > common; d--) subtreeEnd[path[d]] = bytes.Count;
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (int d = common; d < t.Length; d++)
            {
                path.Add(bytes.Count);
                bytes.Add(t[d]);
                depth.Add((ushort)(d + 1));
                subtreeEnd.Add(0);
            }
            tokenNode.Add(path[t.Length]);
            maxDepth = Math.Max(maxDepth, t.Length);
            previous = t.ToArray();
        }
        for (int d = path.Count - 1; d >= 0; d--) subtreeEnd[path[d]] = bytes.Count;

        _byte = [.. bytes];
        _depth = [.. depth];
        _subtreeEnd = [.. subtreeEnd];
        _tokens = [.. ids];
        _tokenStart = new int[_byte.Length + 1];
        foreach (int node in tokenNode) _tokenStart[node + 1]++;
        for (int i = 0; i < _byte.Length; i++) _tokenStart[i + 1] += _tokenStart[i];
        MaxDepth = maxDepth;
        _subtreeByteGroups = ComputeSubtreeByteGroups();
        _subtreeMaxDepth = ComputeSubtreeMaxDepths();
        _utf8Flags = ComputeUtf8Flags();
        FreeText = new FreeTextSlice(this);
    }

    /// <summary>The tokens that are free JSON-string text (see <see cref="FreeTextSlice"/>).</summary>
    public FreeTextSlice FreeText { get; }

    /// <summary><see cref="Utf8Flags"/>: the node's byte starts a character of a well-formed path from the root.</summary>
    internal const byte Utf8StartsCharacter = 1;

    /// <summary><see cref="Utf8Flags"/>: every path from the root into the node's subtree is well-formed UTF-8 (a last character may be cut short).</summary>
    internal const byte Utf8SubtreeWellFormed = 2;

    private byte[] ComputeUtf8Flags()
    {
        var flags = new byte[_byte.Length];
        var validator = new int[MaxDepth + 1]; // Utf8Prefix state at each depth of the current path
        for (int node = 1; node < _byte.Length; node++)
        {
            int depth = _depth[node];
            int before = validator[depth - 1];
            validator[depth] = Utf8Prefix.Step(before, _byte[node]);
            if (before == Utf8Prefix.Boundary) flags[node] = Utf8StartsCharacter;
            if (validator[depth] != Utf8Prefix.Invalid) flags[node] |= Utf8SubtreeWellFormed;
        }
        // Reverse pre-order: children before parents, so "well-formed" can be and-ed up the tree.
        for (int node = _byte.Length - 1; node > 0; node--)
            for (int child = node + 1; child < _subtreeEnd[node]; child = _subtreeEnd[child])
                if ((flags[child] & Utf8SubtreeWellFormed) == 0) flags[node] &= unchecked((byte)~Utf8SubtreeWellFormed);
        return flags;
    }

    /// <summary>
    /// The 101 byte groups of <see cref="SubtreeByteGroups"/>: each printable ASCII byte 0x20–0x7F alone (bits 0–95),
    /// then the controls 0x00–0x1F (96), UTF-8 continuation bytes 0x80–0xBF (97), and the lead bytes of 2-, 3- and 4-byte
    /// sequences 0xC0–0xDF, 0xE0–0xEF, 0xF0–0xFF (98–100). Text tokens are mostly ASCII, so exact ASCII bits keep the
    /// "does this subtree use only these bytes" test sharp where it matters while the whole set fits in 16 bytes.
    /// </summary>
    public static int ByteGroup(byte value) => value switch
    {
        < 0x20 => 96,
        < 0x80 => value - 0x20,
        < 0xC0 => 97,
        < 0xE0 => 98,
        < 0xF0 => 99,
        _ => 100,
    };

    /// <summary>Number of <see cref="ByteGroup"/> values.</summary>
    public const int ByteGroupCount = 101;

    private ushort[] ComputeSubtreeMaxDepths()
    {
        var subtreeMax = new ushort[_byte.Length];
        for (int node = _byte.Length - 1; node >= 0; node--)
        {
            ushort max = _depth[node];
            for (int child = node + 1; child < _subtreeEnd[node]; child = _subtreeEnd[child])
                max = Math.Max(max, subtreeMax[child]);
            subtreeMax[node] = max;
        }
        return subtreeMax;
    }

    /// <summary>Per node, the depth of the deepest node in its subtree.</summary>
    internal ReadOnlySpan<ushort> SubtreeMaxDepths => _subtreeMaxDepth;

    private ulong[] ComputeSubtreeByteGroups()
    {
        var groups = new ulong[2 * _byte.Length];
        // Pre-order: a node's children come after it, so a reverse pass sees every child before its parent.
        for (int node = _byte.Length - 1; node >= 0; node--)
        {
            ulong low = 0, high = 0;
            if (node > 0)
            {
                int g = ByteGroup(_byte[node]);
                if (g < 64) low = 1UL << g;
                else high = 1UL << (g - 64);
            }
            for (int child = node + 1; child < _subtreeEnd[node]; child = _subtreeEnd[child])
            {
                low |= groups[2 * child];
                high |= groups[2 * child + 1];
            }
            groups[2 * node] = low;
            groups[2 * node + 1] = high;
        }
        return groups;
    }

    public IConstraintVocabulary Vocabulary { get; }

    public int NodeCount => _byte.Length;

    /// <summary>The longest token, in bytes.</summary>
    public int MaxDepth { get; }

    internal ReadOnlySpan<byte> NodeBytes => _byte;
    internal ReadOnlySpan<ushort> NodeDepths => _depth;
    internal ReadOnlySpan<int> SubtreeEnds => _subtreeEnd;
    internal ReadOnlySpan<int> TokenStarts => _tokenStart;
    internal ReadOnlySpan<int> Tokens => _tokens;


    /// <summary>
    /// Per node, two words (bits 0–63, 64–100) with the <see cref="ByteGroup"/> of every byte on the node and below it
    /// (the root has none of its own). A lexer state that loops on all those groups accepts the whole subtree unchanged.
    /// </summary>
    internal ReadOnlySpan<ulong> SubtreeByteGroups => _subtreeByteGroups;

    /// <summary>Per node, <see cref="Utf8StartsCharacter"/> | <see cref="Utf8SubtreeWellFormed"/>.</summary>
    internal ReadOnlySpan<byte> Utf8Flags => _utf8Flags;

    /// <summary>Tokens whose bytes end exactly at <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> TokensAt(int node) => _tokens.AsSpan(_tokenStart[node], _tokenStart[node + 1] - _tokenStart[node]);

    /// <summary>The child of <paramref name="node"/> labelled <paramref name="value"/>, or -1.</summary>
    public int Child(int node, byte value)
    {
        int end = _subtreeEnd[node];
        for (int c = node + 1; c < end; c = _subtreeEnd[c])
            if (_byte[c] == value) return c;
        return -1;
    }
}
