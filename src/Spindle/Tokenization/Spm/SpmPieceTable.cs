using System.Numerics;
using System.Runtime.CompilerServices;

namespace Spindle.Tokenization.Spm;

/// <summary>
/// The lookups SentencePiece-style merging needs, precomputed so that encoding never hashes text:
/// the token of a single code point, the token two adjacent tokens concatenate to, and the byte-fallback token of each byte.
/// </summary>
/// <remarks>
/// llama.cpp looks up the concatenated text of two symbols in its text → id map. Every symbol after the first step is a
/// token (a merge only happens when the concatenation is one), so "text(a) + text(b) is token t" can be indexed by the
/// pair (a, b) once at load: for each token, every split of its text into two tokens is one pair. Ids are the first id
/// of a text, as llama.cpp's map keeps. Symbols that are not tokens (a code point missing from the vocabulary) still use
/// a text lookup, on a rare path.
/// </remarks>
internal sealed class SpmPieceTable
{
    private readonly Vocabulary _vocabulary;
    private readonly int[] _bmpTokenIds; // code point → token id for U+0000..U+FFFF, -1 when it is no token
    private readonly Dictionary<int, int> _supplementaryTokenIds = new();
    private readonly PairMap _pairs;
    private readonly int[] _byteTokenIds = new int[256]; // byte → token (<0xNN>, or the byte itself when ASCII); -1 when none

    public SpmPieceTable(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        string[] tokens = vocabulary.Tokens;
        float[]? scores = vocabulary.Scores;
        Scores = new float[tokens.Length];
        if (scores != null) scores.AsSpan().CopyTo(Scores);

        _bmpTokenIds = new int[65536];
        _bmpTokenIds.AsSpan().Fill(-1);
        for (int id = 0; id < tokens.Length; id++)
        {
            string text = tokens[id];
            if (vocabulary.GetIdOrDefault(text) != id) continue; // not the id llama.cpp's map returns for this text
            if (text.Length == 1 && !char.IsSurrogate(text[0])) _bmpTokenIds[text[0]] = id;
            else if (text.Length == 2 && char.IsSurrogatePair(text[0], text[1])) _supplementaryTokenIds.TryAdd(char.ConvertToUtf32(text[0], text[1]), id);
        }

        var pairs = new List<(int Left, int Right, int Merged)>(tokens.Length * 4);
        for (int id = 0; id < tokens.Length; id++)
        {
            string text = tokens[id];
            if (text.Length < 2 || vocabulary.GetIdOrDefault(text) != id) continue;
            for (int split = 1; split < text.Length; split++)
            {
                if (char.IsLowSurrogate(text[split]) && char.IsHighSurrogate(text[split - 1])) continue; // symbols hold whole code points
                if (vocabulary.TryGetId(text[..split], out int left) && vocabulary.TryGetId(text[split..], out int right))
                    pairs.Add((left, right, id));
            }
        }
        _pairs = new PairMap(pairs.Count);
        foreach (var (left, right, merged) in pairs) _pairs.Add(left, right, merged);

        foreach (string text in tokens) AddAdjacentPairs(text);

        for (int b = 0; b < 256; b++)
        {
            int id = vocabulary.GetIdOrDefault($"<0x{b:X2}>");
            // llama.cpp's byte_to_token falls back to the byte as a one-character text; only ASCII bytes can be one.
            if (id < 0 && b < 0x80) id = vocabulary.GetIdOrDefault(((char)b).ToString());
            _byteTokenIds[b] = id;
        }
    }

    /// <summary>
    /// False when no token's text has code point <paramref name="left"/> directly followed by <paramref name="right"/>:
    /// then no merge can ever cross between them, and the text on either side can be merged independently (with the
    /// same result, since the queue orders each side's merges the same way whether or not the other side is in it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanJoin(int left, int right)
    {
        int l = FastCode(left), r = FastCode(right);
        if ((l | r) >= 0)
        {
            int bit = l * FastCodeCount + r;
            return (_fastPairs[bit >> 6] & (1UL << bit)) != 0;
        }
        return _otherPairs.Contains(((long)left << 21) | (uint)right);
    }

    // Codes for the fast pair bitmap: ASCII and '▁' (every escaped space), the bulk of most text.
    private const int FastCodeCount = 129;
    private readonly ulong[] _fastPairs = new ulong[(FastCodeCount * FastCodeCount + 63) / 64];
    private readonly HashSet<long> _otherPairs = new();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FastCode(int codePoint) => codePoint < 128 ? codePoint : codePoint == '\u2581' ? 128 : -1;

    private void AddAdjacentPairs(string text)
    {
        int previous = -1;
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            int codePoint = char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text[i], text[i + 1])
                : char.IsSurrogate(text[i]) ? 0xFFFD : text[i];
            if (previous >= 0)
            {
                int l = FastCode(previous), r = FastCode(codePoint);
                if ((l | r) >= 0)
                {
                    int bit = l * FastCodeCount + r;
                    _fastPairs[bit >> 6] |= 1UL << bit;
                }
                else
                {
                    _otherPairs.Add(((long)previous << 21) | (uint)codePoint);
                }
            }
            previous = codePoint;
        }
    }

    /// <summary>Scores by id (0 where the vocabulary has none, as llama.cpp).</summary>
    public float[] Scores { get; }

    /// <summary>The token whose text is exactly the code point, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CodePointToken(int codePoint) =>
        codePoint < 65536 ? _bmpTokenIds[codePoint] : _supplementaryTokenIds.GetValueOrDefault(codePoint, -1);

    /// <summary>The token text(left) + text(right) is, or -1. Both must be token ids.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Merge(int left, int right) => _pairs.Get(left, right);

    /// <summary>The token whose text is <paramref name="text"/>, or -1 (slow path for symbols that are no token).</summary>
    public int TextToken(ReadOnlySpan<char> text) =>
        _vocabulary.TryGetId(text.ToString(), out int id) ? id : -1;

    public int ByteToken(byte b) => _byteTokenIds[b];

    /// <summary>Open-addressing map (left id, right id) → merged id; a key of -1 marks an empty slot.</summary>
    private sealed class PairMap
    {
        private readonly long[] _keys;
        private readonly int[] _values;
        private readonly int _mask;

        public PairMap(int expected)
        {
            int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expected * 2 + 1));
            _keys = new long[capacity];
            _keys.AsSpan().Fill(-1);
            _values = new int[capacity];
            _mask = capacity - 1;
        }

        public void Add(int left, int right, int merged)
        {
            long key = Key(left, right);
            int slot = Slot(key);
            while (_keys[slot] != -1)
            {
                if (_keys[slot] == key) return; // cannot happen for distinct token texts; keep the first
                slot = (slot + 1) & _mask;
            }
            _keys[slot] = key;
            _values[slot] = merged;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Get(int left, int right)
        {
            long key = Key(left, right);
            int slot = Slot(key);
            long[] keys = _keys;
            while (true)
            {
                long k = keys[slot];
                if (k == key) return _values[slot];
                if (k == -1) return -1;
                slot = (slot + 1) & _mask;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> 32) & _mask;
    }
}
