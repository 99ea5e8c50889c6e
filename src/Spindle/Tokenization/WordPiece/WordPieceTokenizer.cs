using System.Collections.Concurrent;
using System.Text;

namespace Spindle.Tokenization.WordPiece;

/// <summary>
/// BERT's WordPiece as llama.cpp runs it (llm_tokenizer_wpm): per code point NFD (first code point only, which strips
/// accents), lowercase, split on whitespace, punctuation, ASCII symbols and CJK ideographs; then per word greedy
/// longest-match-first. llama.cpp's GGUF bert vocabulary marks word starts with "▁" instead of marking continuations
/// with "##", so each word is matched as "▁" + word and a word with any unmatched part becomes [UNK].
/// </summary>
public sealed class WordPieceTokenizer : Tokenizer
{
    private const char WordStart = '\u2581';
    private const int MaxCachedWords = 1 << 16; // bounds memory on adversarial input; misses only cost a re-split
    private const int MaxCachedWordChars = 256; // and so does this: a megabyte-long word is split again, not kept

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idBySpan;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _wordCacheBySpan;
    private readonly int _maxTokenLength; // UTF-16 units
    private readonly int _unknownId;

    public WordPieceTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        var idByText = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        int maxLength = 0;
        for (int i = 0; i < vocabulary.Count; i++)
        {
            string token = vocabulary.Tokens[i];
            idByText.TryAdd(token, i); // first id wins, as in llama.cpp's token_to_id
            maxLength = Math.Max(maxLength, token.Length);
        }
        _idBySpan = idByText.GetAlternateLookup<ReadOnlySpan<char>>();
        _wordCacheBySpan = _wordCache.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxTokenLength = maxLength;
        _unknownId = vocabulary.UnknownId;
    }

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, ChunkStart start)
    {
        char[] word = new char[64];
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken) output.Add(fragment.TokenId);
            else EncodeText(text.AsSpan(fragment.Start, fragment.Length), output, ref word);
        }
    }

    private protected override void AddLeadingSpecial(List<int> output)
    {
        if (Vocabulary.ClsId < 0) throw new InvalidOperationException("the bert vocabulary has no [CLS] token to add");
        output.Add(Vocabulary.ClsId);
    }

    private protected override void AddTrailingSpecial(List<int> output)
    {
        if (Vocabulary.SeparatorId < 0) throw new InvalidOperationException("the bert vocabulary has no [SEP] token to add");
        output.Add(Vocabulary.SeparatorId);
    }

    /// <summary>
    /// Safe before a whitespace character: the word so far is flushed there in the whole text just as at the end of a
    /// chunk, and classification is per code point, so nothing on one side depends on the other.
    /// </summary>
    private protected override bool IsSafeCut(ReadOnlySpan<char> text, int index) =>
        !char.IsSurrogate(text[index])
        && WordPieceCharClassifier.Classify(WordPieceCharClassifier.MapCodePoint(text[index])) == WordPieceCharClass.Whitespace;

    // word[0] is always the "▁" marker; word[1..length] collects the current word's normalized characters.
    private void EncodeText(ReadOnlySpan<char> text, List<int> output, ref char[] word)
    {
        word[0] = WordStart;
        int length = 1;
        Span<char> utf16 = stackalloc char[2];
        for (int i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text[i..], out var rune, out int consumed) != System.Buffers.OperationStatus.Done)
                rune = Rune.ReplacementChar;
            i += consumed;
            int cp = WordPieceCharClassifier.MapCodePoint(rune.Value);
            switch (WordPieceCharClassifier.Classify(cp))
            {
                case WordPieceCharClass.Whitespace:
                    length = FlushWord(word, length, output);
                    continue;
                case WordPieceCharClass.Skipped:
                    continue;
                case WordPieceCharClass.Isolated:
                    length = FlushWord(word, length, output);
                    length = Append(ref word, length, WordPieceCharClassifier.Lower(cp), utf16);
                    length = FlushWord(word, length, output);
                    continue;
                default:
                    length = Append(ref word, length, WordPieceCharClassifier.Lower(cp), utf16);
                    continue;
            }
        }
        FlushWord(word, length, output);
    }

    private static int Append(ref char[] word, int length, int cp, Span<char> utf16)
    {
        int n = new Rune(cp).EncodeToUtf16(utf16);
        if (length + n > word.Length) Array.Resize(ref word, word.Length * 2);
        utf16[..n].CopyTo(word.AsSpan(length));
        return length + n;
    }

    private int FlushWord(char[] word, int length, List<int> output)
    {
        if (length <= 1) return 1;
        var key = new ReadOnlySpan<char>(word, 0, length);
        if (!_wordCacheBySpan.TryGetValue(key, out int[]? ids))
        {
            ids = SplitWord(key);
            if (length <= MaxCachedWordChars && _wordCache.Count < MaxCachedWords) _wordCacheBySpan.TryAdd(key, ids);
        }
        output.AddRange(ids);
        return 1;
    }

    // Greedy longest-match-first over "▁word"; any position with no match makes the whole word [UNK].
    private int[] SplitWord(ReadOnlySpan<char> word)
    {
        var ids = new List<int>(4);
        for (int i = 0; i < word.Length;)
        {
            int end = Math.Min(word.Length, i + _maxTokenLength);
            bool matched = false;
            for (; end > i; end--)
            {
                if (_idBySpan.TryGetValue(word[i..end], out int id))
                {
                    ids.Add(id);
                    matched = true;
                    break;
                }
            }
            if (!matched) return _unknownId >= 0 ? [_unknownId] : []; // a vocabulary without [UNK] drops the word
            i = end;
        }
        return ids.ToArray();
    }

    protected override byte[] ComputePiece(int id)
    {
        string text = Vocabulary.Tokens[id];
        var attr = Vocabulary.Attributes[id];
        if ((attr & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(text);
        if ((attr & TokenAttributes.Normal) != 0) return Encoding.UTF8.GetBytes(text.Replace(WordStart, ' '));
        if ((attr & TokenAttributes.Byte) != 0 && TryParseByteToken(text, out byte b)) return [b];
        return [];
    }

    private static bool TryParseByteToken(string text, out byte value)
    {
        value = 0;
        return text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }
}
