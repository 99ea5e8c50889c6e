namespace Spindle.Tokenization.Bpe;

/// <summary>
/// tokenizer.ggml.merges as a lookup from a pair of symbols to (rank, merged symbol). Symbols are token ids; a merge
/// whose parts or result are not tokens gets an extra symbol id past the vocabulary, so merging follows the merge
/// list exactly as llama.cpp's string-keyed bpe_ranks does. Rank = position in the list; the first duplicate wins.
/// </summary>
internal sealed class BpeMergeTable
{
    private readonly Dictionary<long, long> _merges; // (left << 32 | right) → (rank << 32 | merged)
    private readonly Dictionary<string, int> _extraIds = new(StringComparer.Ordinal);
    private readonly List<string> _extraTexts = [];
    private readonly Vocabulary _vocabulary;

    public BpeMergeTable(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        string[] merges = vocabulary.Merges ?? throw new NotSupportedException("byte-level BPE vocabulary has no tokenizer.ggml.merges");
        _merges = new Dictionary<long, long>(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++)
        {
            string merge = merges[rank];
            // llama.cpp splits at the first space after the first byte, so a part may itself start with a space.
            int space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            if (space < 0) continue;
            string left = merge[..space], right = merge[(space + 1)..];
            if (left.Length == 0 || right.Length == 0) continue;
            long key = PairKey(SymbolOf(left), SymbolOf(right));
            _merges.TryAdd(key, ((long)rank << 32) | (uint)SymbolOf(left + right));
        }
    }

    public int VocabularyCount => _vocabulary.Count;

    /// <summary>The symbol for a text: its token id, or an extra id past the vocabulary.</summary>
    public int SymbolOf(string text)
    {
        if (_vocabulary.TryGetId(text, out int id)) return id;
        if (_extraIds.TryGetValue(text, out id)) return id;
        id = _vocabulary.Count + _extraTexts.Count;
        _extraIds.Add(text, id);
        _extraTexts.Add(text);
        return id;
    }

    /// <summary>Text of a symbol that is not a token.</summary>
    public string ExtraText(int symbol) => _extraTexts[symbol - _vocabulary.Count];

    public bool TryGetMerge(int left, int right, out int rank, out int merged)
    {
        if (_merges.TryGetValue(PairKey(left, right), out long value))
        {
            rank = (int)(value >> 32);
            merged = (int)(uint)value;
            return true;
        }
        rank = 0;
        merged = -1;
        return false;
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
