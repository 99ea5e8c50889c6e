namespace Spindle.Decoding.Speculative;

/// <summary>How a speculative generation went: what was drafted, what the target accepted, what it cost.</summary>
/// <param name="Rounds">Verification passes of the target (one per round).</param>
/// <param name="Drafted">Draft tokens (tree nodes) proposed over all rounds.</param>
/// <param name="Accepted">Draft tokens the target accepted.</param>
/// <param name="DraftForwards">Forward passes of a draft model (catch-up prefills included); 0 for lookup and recycling.</param>
/// <param name="Generated">Tokens generated (accepted drafts plus one corrected or bonus token per round, and the first).</param>
public sealed record SpeculationStats(long Rounds, long Drafted, long Accepted, long DraftForwards, long Generated)
{
    /// <summary>Share of drafted tokens accepted (a tree's rejected branches count as drafted).</summary>
    public double AcceptanceRate => Drafted > 0 ? (double)Accepted / Drafted : 0;

    /// <summary>Accepted draft tokens per round.</summary>
    public double MeanAccepted => Rounds > 0 ? (double)Accepted / Rounds : 0;

    /// <summary>
    /// Target forward passes per generated token after the prompt's prefill (about 1 without speculation, where the
    /// first token comes from the prefill and each further one costs a pass).
    /// </summary>
    public double TargetForwardsPerToken => Generated > 0 ? (double)Rounds / Generated : 0;
}
