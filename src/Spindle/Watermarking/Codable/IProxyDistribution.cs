namespace Spindle.Watermarking.Codable;

/// <summary>
/// Balance-Marking's proxy LM: next-token probabilities after a prefix of the generated text. It must be a pure
/// function of the prefix (the generator and the decoder must see the same numbers), and should be incremental: a
/// prefix that extends the previous one by a token should cost one forward pass. Not thread-safe: one generation or
/// one decoding at a time.
/// </summary>
public interface IProxyDistribution
{
    /// <summary>Tokens of the distribution (the generating model's vocabulary size).</summary>
    int VocabularySize { get; }

    /// <summary>
    /// Writes the probabilities of each next token after <paramref name="prefix"/> (the generated tokens so far, the
    /// first generated token first) to <paramref name="destination"/> (<see cref="VocabularySize"/> long). False when
    /// the proxy cannot read this prefix (longer than its context, or empty with no start token): the position is then
    /// left unmarked, by the generator and the decoder alike.
    /// </summary>
    bool TryGetProbabilities(ReadOnlySpan<int> prefix, Span<float> destination);
}
