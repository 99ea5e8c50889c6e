namespace Spindle.Sampling.Aligned;

/// <summary>
/// A token-level language model as grammar-aligned sampling sees it: the next-token logits after a prefix of output
/// tokens (the prompt, if any, is the implementation's own context). Must be deterministic: the same prefix gives the
/// same logits, since <see cref="AsapState"/> stores what it learned per prefix.
/// </summary>
public interface ITokenDistribution
{
    /// <summary>Length of every logits row.</summary>
    int VocabularySize { get; }

    /// <summary>Writes the next-token logits after <paramref name="prefix"/> into <paramref name="destination"/> (length <see cref="VocabularySize"/>).</summary>
    void GetLogits(ReadOnlySpan<int> prefix, Span<float> destination);
}
