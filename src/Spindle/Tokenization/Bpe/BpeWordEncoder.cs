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

        // Symbols and the rank of each adjacent pair (int.MaxValue: no merge); merging removes an element. Quadratic
        // in the word length, which is fine for words (and these results are cached per word).
        int n = bytes.Length;
        var symbols = new int[n];
        var ranks = new int[n];
        var merged = new int[n];
        for (int i = 0; i < n; i++) symbols[i] = _byteSymbols[bytes[i]];
        for (int i = 0; i + 1 < n; i++) RankPair(symbols, ranks, merged, i);
        if (n > 0) ranks[n - 1] = int.MaxValue;

        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++)
            {
                if (ranks[i] < bestRank) { bestRank = ranks[i]; best = i; }
            }
            if (best < 0) break;
            symbols[best] = merged[best];
            int tail = n - best - 2;
            Array.Copy(symbols, best + 2, symbols, best + 1, tail);
            Array.Copy(ranks, best + 2, ranks, best + 1, tail);
            Array.Copy(merged, best + 2, merged, best + 1, tail);
            n--;
            ranks[n - 1] = int.MaxValue;
            if (best > 0) RankPair(symbols, ranks, merged, best - 1);
            if (best + 1 < n) RankPair(symbols, ranks, merged, best);
        }

        var ids = new List<int>(n);
        for (int i = 0; i < n; i++)
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

    private void RankPair(int[] symbols, int[] ranks, int[] merged, int i)
    {
        if (_merges.TryGetMerge(symbols[i], symbols[i + 1], out int rank, out int result))
        {
            ranks[i] = rank;
            merged[i] = result;
        }
        else
        {
            ranks[i] = int.MaxValue;
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
