using System.Text;

namespace Spindle.Tokenization.Bpe;

/// <summary>
/// Byte-level BPE of one pre-tokenized word (llm_tokenizer_bpe_session::tokenize): the word's UTF-8 bytes start as one
/// symbol each; the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a merge.
/// Symbols that are not tokens fall back to one token per byte of their text where such a token exists.
/// </summary>
internal sealed class BpeWordEncoder
{
    private readonly Vocabulary _vocabulary;
    private readonly BpeMergeTable _merges;
    private readonly int[] _byteSymbols = new int[256];

    public BpeWordEncoder(Vocabulary vocabulary, BpeMergeTable merges)
    {
        _vocabulary = vocabulary;
        _merges = merges;
        for (int b = 0; b < 256; b++) _byteSymbols[b] = merges.SymbolOf(ByteLevelAlphabet.Encode((byte)b).ToString());
    }

    /// <summary>Token ids for <paramref name="word"/>; <paramref name="ignoreMerges"/>: a word that is a token stays whole.</summary>
    public int[] Encode(ReadOnlySpan<char> word, bool ignoreMerges)
    {
        int byteCount = Encoding.UTF8.GetMaxByteCount(word.Length);
        Span<byte> bytes = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        bytes = bytes[..Encoding.UTF8.GetBytes(word, bytes)];
        if (bytes.Length == 0) return [];

        if (ignoreMerges)
        {
            string encoded = EncodeBytes(bytes);
            if (_vocabulary.TryGetId(encoded, out int whole)) return [whole];
        }

        // A doubly linked list of symbols plus a min-heap of candidate merges ordered by (rank, left position), as in
        // llama.cpp's work queue; an entry is stale once either side has changed, which the symbol ids reveal.
        int n = bytes.Length;
        var symbols = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            symbols[i] = _byteSymbols[bytes[i]];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        var heap = new MergeHeap(n);
        for (int i = 0; i + 1 < n; i++) Push(ref heap, symbols, i, i + 1);

        while (heap.TryPop(out MergeCandidate c))
        {
            if (symbols[c.Left] != c.LeftSymbol || next[c.Left] != c.Right || symbols[c.Right] != c.RightSymbol) continue;
            symbols[c.Left] = c.Merged;
            symbols[c.Right] = -1;
            int after = next[c.Right];
            next[c.Left] = after;
            if (after >= 0) prev[after] = c.Left;
            if (prev[c.Left] >= 0) Push(ref heap, symbols, prev[c.Left], c.Left);
            if (after >= 0) Push(ref heap, symbols, c.Left, after);
        }

        var ids = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i])
        {
            int symbol = symbols[i];
            if (symbol < _merges.VocabularyCount)
            {
                ids.Add(symbol);
                continue;
            }
            // llama.cpp looks up each byte of the symbol's (byte-encoded) UTF-8 text as a one-byte token.
            foreach (char c in _merges.ExtraText(symbol))
            {
                if (c < 128 && _vocabulary.TryGetId(c.ToString(), out int id)) ids.Add(id);
            }
        }
        return ids.ToArray();
    }

    private void Push(ref MergeHeap heap, int[] symbols, int left, int right)
    {
        if (_merges.TryGetMerge(symbols[left], symbols[right], out int rank, out int merged))
            heap.Push(new MergeCandidate(rank, left, right, symbols[left], symbols[right], merged));
    }

    private readonly record struct MergeCandidate(int Rank, int Left, int Right, int LeftSymbol, int RightSymbol, int Merged)
    {
        public bool Before(in MergeCandidate other) => Rank < other.Rank || (Rank == other.Rank && Left < other.Left);
    }

    /// <summary>Binary min-heap of merge candidates.</summary>
    private struct MergeHeap(int capacity)
    {
        private MergeCandidate[] _items = new MergeCandidate[Math.Max(capacity, 4)];
        private int _count;

        public void Push(in MergeCandidate item)
        {
            if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!item.Before(_items[parent])) break;
                _items[i] = _items[parent];
                i = parent;
            }
            _items[i] = item;
        }

        public bool TryPop(out MergeCandidate top)
        {
            if (_count == 0) { top = default; return false; }
            top = _items[0];
            MergeCandidate last = _items[--_count];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= _count) break;
                if (child + 1 < _count && _items[child + 1].Before(_items[child])) child++;
                if (!_items[child].Before(last)) break;
                _items[i] = _items[child];
                i = child;
            }
            if (_count > 0) _items[i] = last;
            return true;
        }
    }

    private static string EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, src) =>
        {
            for (int i = 0; i < src.Length; i++) span[i] = ByteLevelAlphabet.Encode(src[i]);
        });
    }
}
