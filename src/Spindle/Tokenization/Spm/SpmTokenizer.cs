using System.Globalization;
using System.Text;

namespace Spindle.Tokenization.Spm;

/// <summary>
/// SentencePiece-style BPE by scores: tokenizer.ggml.model "llama", as llama.cpp's llm_tokenizer_spm.
/// Spaces become '▁', a space is prefixed before the first text fragment and after each special token (add_space_prefix),
/// then adjacent symbols merge best score first (ties: leftmost), and what no token covers falls back to &lt;0xNN&gt; byte
/// tokens. Unlike llama.cpp, a vocabulary without byte tokens yields &lt;unk&gt; there instead of aborting.
/// </summary>
public sealed class SpmTokenizer : Tokenizer
{
    private const char SpaceEscape = '\u2581'; // '▁'

    private readonly SpmPieceTable _table;

    [ThreadStatic] private static SpmSession? t_session;

    private readonly bool _splitSegments;

    public SpmTokenizer(Vocabulary vocabulary) : this(vocabulary, splitSegments: true)
    {
    }

    /// <param name="splitSegments">Merge independent segments separately (the fast path); false merges each fragment as
    /// one, exactly as llama.cpp does, which tests use to check the two agree.</param>
    internal SpmTokenizer(Vocabulary vocabulary, bool splitSegments) : base(vocabulary)
    {
        _table = new SpmPieceTable(vocabulary);
        _splitSegments = splitSegments;
    }

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, ChunkStart start)
    {
        var vocab = Vocabulary;
        bool isPrevSpecial = start != ChunkStart.InsideText; // the first text fragment gets the prefix too, unless it continues one

        var session = t_session ??= new SpmSession();
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                isPrevSpecial = true;
                continue;
            }
            session.Encode(_table, text.AsSpan(fragment.Start, fragment.Length), vocab.AddSpacePrefix && isPrevSpecial, vocab.UnknownId, _splitSegments, output);
            isPrevSpecial = false;
        }
    }

    private protected override void AddLeadingSpecial(List<int> output)
    {
        if (Vocabulary.AddBos && Vocabulary.BosId >= 0) output.Add(Vocabulary.BosId);
    }

    private protected override void AddTrailingSpecial(List<int> output)
    {
        if (Vocabulary.AddEos && Vocabulary.EosId >= 0) output.Add(Vocabulary.EosId);
    }

    /// <summary>
    /// Safe where no token's text holds the two code points beside the cut (spaces as '▁'): the session splits its
    /// segments at exactly such places (<see cref="SpmPieceTable.CanJoin"/>), because no merge can cross them and each
    /// side merges alone as it would in the whole.
    /// </summary>
    private protected override bool IsSafeCut(ReadOnlySpan<char> text, int index)
    {
        if (char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1])) return false; // inside a pair
        int left = CodePointBefore(text, index), right = CodePointAt(text, index);
        return !_table.CanJoin(left, right);
    }

    private protected override int CutLookahead => 2;

    // As the session reads them: '▁' for a space, U+FFFD for a lone surrogate.
    private static int CodePointAt(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c == ' ') return SpaceEscape;
        if (!char.IsSurrogate(c)) return c;
        return char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(c, text[i + 1]) : 0xFFFD;
    }

    private static int CodePointBefore(ReadOnlySpan<char> text, int index)
    {
        char c = text[index - 1];
        if (c == ' ') return SpaceEscape;
        if (!char.IsSurrogate(c)) return c;
        return char.IsLowSurrogate(c) && index >= 2 && char.IsHighSurrogate(text[index - 2]) ? char.ConvertToUtf32(text[index - 2], c) : 0xFFFD;
    }

    protected override byte[] ComputePiece(int id)
    {
        var attr = Vocabulary.Attributes[id];
        string text = Vocabulary.Tokens[id];
        if ((attr & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(text);
        if ((attr & TokenAttributes.Normal) != 0)
            return Encoding.UTF8.GetBytes(text.Replace(SpaceEscape, ' '));
        if ((attr & TokenAttributes.Byte) != 0)
            return TryParseByteToken(text, out byte b) ? [b] : Encoding.UTF8.GetBytes(text);
        return []; // unused and undefined tokens decode to nothing, as in llama.cpp
    }

    // "<0xNN>" → NN, as llama.cpp's token_to_byte reads the two hex digits at offset 3.
    private static bool TryParseByteToken(string text, out byte value)
    {
        value = 0;
        return text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}
