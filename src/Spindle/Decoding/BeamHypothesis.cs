namespace Spindle.Decoding;

/// <summary>
/// One finished beam. <see cref="Tokens"/> are the generated tokens without the stop token (<see cref="StopToken"/>
/// says which ended it, or null when it ran to the length limit). <see cref="SumLogProb"/> is the sum of the natural-log
/// probabilities of every generated token, the stop token included; <see cref="Score"/> is what beams were ranked by:
/// that sum (minus diversity penalties, for diverse search) / generated_length^α. Under a constraint both use the
/// model's raw log-probabilities (HF's processed scores: masked to −∞ where disallowed, not renormalised over the
/// allowed tokens), so they equal what teacher-forcing the hypothesis unconstrained gives.
/// </summary>
public sealed record BeamHypothesis(int[] Tokens, double Score, double SumLogProb, int? StopToken, int Group)
{
    /// <summary>Generated length used by the length penalty: tokens plus the stop token, if any.</summary>
    public int GeneratedLength => Tokens.Length + (StopToken is null ? 0 : 1);
}
