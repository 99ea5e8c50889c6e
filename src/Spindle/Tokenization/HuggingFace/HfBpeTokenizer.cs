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

    protected override void EncodeFragments(string text, List<TextFragment> fragments, List<int> output, bool addSpecial)
    {
        if (addSpecial) output.AddRange(_postProcessor.Prefix);
        var pieces = new List<string>();
        foreach (var fragment in fragments)
        {
            if (fragment.IsToken)
            {
                output.Add(fragment.TokenId);
                continue;
            }
            string raw = text.Substring(fragment.Start, fragment.Length);
            string normalized = _normalizer?.Normalize(raw) ?? raw;
            pieces.Clear();
            if (normalized.Length > 0) pieces.Add(normalized);
            _preTokenizer?.PreTokenize(pieces, atTextStart: fragment.Start == 0);
            foreach (string piece in pieces) _model.Encode(piece, output);
        }
        if (addSpecial) output.AddRange(_postProcessor.Suffix);
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
