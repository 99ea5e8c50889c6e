namespace Spindle.Decoding;

/// <summary>
/// A beam extended by one token: <see cref="Score"/> is the cumulative (diversity-penalized) log-probability,
/// <see cref="Rank"/> the token's rank within its parent's row.
/// </summary>
internal readonly record struct BeamCandidate(double Score, double SumLogProb, int Slot, int Rank, int Token)
{
    /// <summary>
    /// Best score first; ties go to the lower parent slot, then to the parent's own ranking (which broke logit ties by
    /// lowest id), so a width-1 beam picks exactly what greedy picks.
    /// </summary>
    public static readonly Comparison<BeamCandidate> BestFirst = static (a, b) =>
        a.Score != b.Score ? b.Score.CompareTo(a.Score)
        : a.Slot != b.Slot ? a.Slot.CompareTo(b.Slot)
        : a.Rank.CompareTo(b.Rank);
}
