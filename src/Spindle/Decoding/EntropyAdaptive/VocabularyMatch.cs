using Spindle.Tokenization;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// Two models can share one token sequence only if their logits index the same tokens: the same logit width and the
/// same text for every id. Scores and merges may differ (they shape tokenizing, which happens once with either model).
/// </summary>
internal static class VocabularyMatch
{
    /// <exception cref="ArgumentException">the widths or a token's text differ; the message names the first difference.</exception>
    public static void Ensure(int smallLogits, Vocabulary small, int largeLogits, Vocabulary large)
    {
        if (smallLogits != largeLogits)
            throw new ArgumentException($"the models' vocabularies differ: the small model has {smallLogits} logits per token, the large {largeLogits}");
        if (small.Count != large.Count)
            throw new ArgumentException($"the models' vocabularies differ: the small model's tokenizer has {small.Count} tokens, the large's {large.Count}");
        for (int id = 0; id < small.Count; id++)
        {
            if (!string.Equals(small.Tokens[id], large.Tokens[id], StringComparison.Ordinal))
                throw new ArgumentException($"the models' vocabularies differ at token {id}: '{small.Tokens[id]}' (small) vs '{large.Tokens[id]}' (large)");
        }
    }
}
