namespace Spindle.Sampling.Aligned;

/// <summary>Limits of an <see cref="AsapState"/>.</summary>
public sealed record AsapOptions
{
    /// <summary>
    /// Most prefixes the trie remembers (about 60 bytes each). When it is full, new prefixes keep the grammar mask's
    /// over-approximation (expected future grammaticality 1), so samples stay grammatical and learning stops deepening;
    /// <see cref="AsapState.Clear"/> starts over.
    /// </summary>
    public int MaxNodes { get; init; } = 1 << 18;
}
