namespace Spindle.Watermarking.BlackBox;

/// <summary>One replaced word: at <see cref="Start"/> (a char offset in the original text) <see cref="Original"/> became <see cref="Replacement"/>.</summary>
/// <param name="Probability">The replacement's share of the local model's proposals for that place.</param>
public sealed record WordReplacement(int Start, string Original, string Replacement, double Probability);

/// <summary>
/// The outcome of <see cref="BlackBoxEmbedder.Embed"/>: the rewritten <see cref="Text"/> (the original with only the
/// <see cref="Replacements"/> changed), and the detector's reading before and after.
/// </summary>
/// <param name="Words">Words of the text (runs of letters).</param>
/// <param name="ZeroWords">Scored words whose bit was 0 when the embedder reached them: the ones it tried to replace.</param>
/// <param name="Budget">The most replacements <see cref="BlackBoxOptions.ReplacementRatio"/> allowed.</param>
public sealed record BlackBoxEmbedding(
    string Text, int Words, int ZeroWords, int Budget, IReadOnlyList<WordReplacement> Replacements, BlackBoxDetection Before, BlackBoxDetection After);
