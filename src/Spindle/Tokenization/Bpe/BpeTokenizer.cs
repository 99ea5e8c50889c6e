using System.Collections.Concurrent;
using System.Text;

namespace Spindle.Tokenization.Bpe;

/// <summary>
/// Byte-level BPE ("gpt2" tokenizer model), matching llama.cpp's llm_tokenizer_bpe: special tokens are split out
/// first, the rest is pre-tokenized by the vocabulary's tokenizer.ggml.pre regexes into words, and each word's bytes
/// (in GPT-2's byte alphabet) are merged by merge rank. Words repeat a lot, so each word's ids are cached.
/// </summary>
public sealed class BpeTokenizer : Tokenizer
{
    // Bounds memory on adversarial input; real text has far fewer distinct words than this.
    private const int MaxCachedWords = 1 << 18;
    private const int LargeInputChars = 1 << 20;
    // Longer words (a run the pre-tokenizer does not split, e.g. a megabyte of one symbol) are encoded each time: caching
    // them would let the cache hold MaxCachedWords times that much text.
    private const int MaxCachedWordChars = 256;

    private readonly PreTokenizer _preTokenizer;
    private readonly BpeWordEncoder _wordEncoder;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private int _cachedWordCount;

    [ThreadStatic] private static Scratch? t_scratch;

    public BpeTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        _preTokenizer = PreTokenizers.Create(vocabulary.Pre);
        _wordEncoder = new BpeWordEncoder(vocabulary, new BpeMergeTable(vocabulary));
        _wordLookup = _wordCache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    protected override bool CleanSpaces => PreTokenizers.CleansSpaces(Vocabulary.Pre);

    /// <summary>The llama.cpp pre-tokenizer type name in use ("default" when the vocabulary names none).</summary>
    public string PreTokenizerName => _preTokenizer.TypeName;

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, ChunkStart start)
    {
        foreach (TextFragment fragment in fragments)
        {
            if (fragment.IsToken) output.Add(fragment.TokenId);
            else EncodeText(text.AsSpan(fragment.Start, fragment.Length), output);
        }
    }

    private protected override void AddLeadingSpecial(List<int> output)
    {
        if (!Vocabulary.AddBos) return;
        if (Vocabulary.BosId < 0) throw new InvalidOperationException("the vocabulary asks for a BOS token but has no BOS id");
        output.Add(Vocabulary.BosId);
    }

    private protected override void AddTrailingSpecial(List<int> output)
    {
        if (!Vocabulary.AddEos) return;
        if (Vocabulary.EosId < 0) throw new InvalidOperationException("the vocabulary asks for an EOS token but has no EOS id");
        output.Add(Vocabulary.EosId);
    }

    /// <summary>Where the pre-tokenizer splits anyway, whatever comes before or after (<see cref="PreTokenizer.SplitsAt"/>).</summary>
    private protected override bool IsSafeCut(ReadOnlySpan<char> text, int index) => _preTokenizer.SplitsAt(text, index);

    private protected override int CutLookahead => 2;

    private void EncodeText(ReadOnlySpan<char> text, List<int> output)
    {
        Scratch scratch = t_scratch ??= new Scratch();
        CodepointText cps = scratch.Text;
        cps.Load(text);
        List<int> words = _preTokenizer.Split(cps, scratch.PiecesA, scratch.PiecesB);
        int[] charStart = cps.CharStart;
        int position = 0;
        foreach (int length in words)
        {
            int from = charStart[position];
            position += length;
            ReadOnlySpan<char> word = text[from..charStart[position]];
            if (!_wordLookup.TryGetValue(word, out int[]? ids)) ids = EncodeWord(word);
            output.AddRange(ids);
        }
        // Scratch sized for a huge input is not worth keeping alive on the thread.
        if (text.Length > LargeInputChars) t_scratch = null;
    }

    private int[] EncodeWord(ReadOnlySpan<char> word)
    {
        int[] ids = _wordEncoder.Encode(word, _preTokenizer.IgnoreMerges);
        if (word.Length <= MaxCachedWordChars && Volatile.Read(ref _cachedWordCount) < MaxCachedWords && _wordLookup.TryAdd(word, ids))
            Interlocked.Increment(ref _cachedWordCount);
        return ids;
    }

    /// <summary>
    /// llama.cpp's token_to_piece for BPE: control, unknown and user-defined tokens are their text; normal tokens are
    /// mapped from GPT-2's byte alphabet back to bytes (a character outside it becomes "[UNK_BYTE_0x..]" as in
    /// llama_decode_text); other token types decode to nothing.
    /// </summary>
    protected override byte[] ComputePiece(int id)
    {
        TokenAttributes attr = Vocabulary.Attributes[id];
        string text = Vocabulary.Tokens[id];
        if ((attr & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(text);
        if ((attr & TokenAttributes.Normal) == 0) return [];

        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text[i], text[++i]) : text[i];
            int b = ByteLevelAlphabet.Decode(cp);
            if (b >= 0)
            {
                bytes.Add((byte)b);
                continue;
            }
            var unknown = new StringBuilder("[UNK_BYTE_0x");
            string character = char.IsSurrogate((char)cp) && cp <= 0xFFFF ? "\uFFFD" : char.ConvertFromUtf32(cp);
            foreach (byte u in Encoding.UTF8.GetBytes(character)) unknown.Append(u.ToString("x2"));
            unknown.Append(text).Append(']');
            bytes.AddRange(Encoding.UTF8.GetBytes(unknown.ToString()));
        }
        return bytes.ToArray();
    }

    private sealed class Scratch
    {
        public readonly CodepointText Text = new();
        public readonly List<int> PiecesA = new(256);
        public readonly List<int> PiecesB = new(256);
    }
}
