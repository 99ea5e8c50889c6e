using System.Text;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face tokenizer.json BPE tokenizer: normalizer → pre-tokenizer → BPE per word → post-processor, decoded by
/// its decoder. Added tokens are split out first by the shared <see cref="SpecialTokenPartitioner"/> (special ones
/// only when parseSpecial is set, as for GGUF vocabularies). Create with <see cref="HfTokenizer.Load"/>.
/// </summary>
public sealed class HfBpeTokenizer : Tokenizer
{
    private readonly HfNormalizer? _normalizer;
    private readonly HfPreTokenizer? _preTokenizer;
    private readonly HfBpeModel _model;
    private readonly HfPostProcessor _postProcessor;
    private readonly HfDecoder? _decoder;

    internal HfBpeTokenizer(Vocabulary vocabulary, HfNormalizer? normalizer, HfPreTokenizer? preTokenizer, HfBpeModel model,
        HfPostProcessor postProcessor, HfDecoder? decoder) : base(vocabulary)
    {
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _model = model;
        _postProcessor = postProcessor;
        _decoder = decoder;
    }

    private protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, ChunkStart start)
    {
        var pieces = new List<string>();
        for (int f = 0; f < fragments.Count; f++)
        {
            var fragment = fragments[f];
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                continue;
            }
            bool continues = f == 0 && start == ChunkStart.InsideText;
            string raw = text.Substring(fragment.Start, fragment.Length);
            string normalized = _normalizer?.Normalize(raw, fragmentStart: !continues) ?? raw;
            pieces.Clear();
            if (normalized.Length > 0) pieces.Add(normalized);
            _preTokenizer?.PreTokenize(pieces, atTextStart: fragment.Start == 0 && start == ChunkStart.TextStart);
            foreach (string piece in pieces) _model.Encode(piece, output);
        }
    }

    private protected override void AddLeadingSpecial(List<int> output) => output.AddRange(_postProcessor.Prefix);

    private protected override void AddTrailingSpecial(List<int> output) => output.AddRange(_postProcessor.Suffix);

    /// <summary>
    /// Safe when the three characters around the cut are ASCII, the normalizer maps them one by one
    /// (<see cref="HfNormalizer.AllowsCut"/>), and on the normalized characters either the pre-tokenizer splits there
    /// or it lets the word go on and the BPE model can cut it there (<see cref="HfBpeModel.CanCutBetween"/>).
    /// </summary>
    private protected override bool IsSafeCut(ReadOnlySpan<char> text, int index)
    {
        if (index + 1 >= text.Length || text[index - 1] >= 0x80 || text[index] >= 0x80 || text[index + 1] >= 0x80) return false;
        if (_normalizer is not null && !_normalizer.AllowsCut(text, index)) return false;
        string before = NormalizedAscii(text[index - 1]), at = NormalizedAscii(text[index]);
        if (before.Length == 0 || at.Length == 0) return false;
        char after = at.Length > 1 ? at[1] : NormalizedAscii(text[index + 1]) is { Length: > 0 } next ? next[0] : '\0';
        var cut = _preTokenizer?.CutAt(before[^1], at[0], after) ?? HfCut.Neutral;
        return cut == HfCut.Splits || (cut == HfCut.Neutral && _model.CanCutBetween(before[^1], at[0]));
    }

    private protected override int CutLookahead => 2;

    private string[]? _normalizedAscii;

    // What the normalizer makes of one ASCII character inside a fragment: the same wherever it stands once AllowsCut
    // holds at a cut beside it.
    private string NormalizedAscii(char c)
    {
        var table = _normalizedAscii ??= BuildNormalizedAscii();
        return table[c];
    }

    private string[] BuildNormalizedAscii()
    {
        var table = new string[128];
        for (int c = 0; c < 128; c++) table[c] = _normalizer?.Normalize(((char)c).ToString(), fragmentStart: false) ?? ((char)c).ToString();
        return table;
    }

    /// <summary>One token's bytes inside a text: the decoder's per-token steps, without sequence-edge effects (Strip).</summary>
    protected override byte[] ComputePiece(int id)
    {
        string token = Vocabulary.Tokens[id];
        if ((Vocabulary.Attributes[id] & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
            return Encoding.UTF8.GetBytes(token);
        if (_decoder == null) return Encoding.UTF8.GetBytes(token);
        string? text = token;
        byte[]? bytes = null;
        _decoder.DecodePiece(ref text, ref bytes);
        return bytes ?? Encoding.UTF8.GetBytes(text ?? "");
    }

    /// <summary>
    /// Decodes a whole sequence as HF's tokenizer.decode does (decoder chain over all token strings, then joined);
    /// <paramref name="skipSpecialTokens"/> drops the special added tokens.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (!Vocabulary.IsValid(id)) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id must be in [0, {Vocabulary.Count})");
            if (skipSpecialTokens && (Vocabulary.Attributes[id] & TokenAttributes.Control) != 0) continue;
            tokens.Add(Vocabulary.Tokens[id]);
        }
        if (_decoder == null) return string.Join(' ', tokens);
        _decoder.DecodeChain(tokens);
        return string.Concat(tokens);
    }
}
