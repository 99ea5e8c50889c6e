namespace Spindle.Decoding;

/// <summary>
/// When beam search (per group) stops, with Hugging Face's <c>early_stopping</c> semantics. "Score" is the cumulative
/// log-probability divided by generated length^<see cref="BeamSearchOptions.LengthPenalty"/>.
/// </summary>
public enum BeamEarlyStopping
{
    /// <summary>
    /// HF <c>early_stopping=False</c> (its default): stop once B hypotheses are finished and the best live candidate,
    /// scored at the current length, cannot beat the worst finished one. A heuristic: longer continuations could still win
    /// when the length penalty is positive.
    /// </summary>
    Heuristic,

    /// <summary>HF <c>early_stopping=True</c>: stop as soon as B hypotheses are finished.</summary>
    Eager,

    /// <summary>
    /// HF <c>early_stopping="never"</c>, canonical beam search: stop only when no live candidate can beat the worst finished
    /// hypothesis even at the longest allowed length (for a positive length penalty) or at the current one (otherwise).
    /// </summary>
    Never,
}
