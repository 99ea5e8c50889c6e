namespace Spindle.Decoding;

/// <summary>
/// Diverse beam search (Vijayakumar et al. 2016), as HF's group beam search: <see cref="BeamSearchOptions.BeamWidth"/>
/// beams split into <see cref="Groups"/> groups of BeamWidth / Groups beams. Each step the groups advance in order, and a
/// group's log-probabilities lose <see cref="DiversityPenalty"/> × (how many beams of earlier groups chose that token at
/// this step): the Hamming diversity term. The penalty accumulates into the beam scores (as in HF), not into
/// <see cref="BeamHypothesis.SumLogProb"/>.
/// </summary>
public sealed record DiverseBeamSearchOptions : BeamSearchOptions
{
    /// <summary>G; must divide <see cref="BeamSearchOptions.BeamWidth"/>.</summary>
    public int Groups { get; init; } = 2;

    /// <summary>λ ≥ 0 (HF <c>diversity_penalty</c>).</summary>
    public float DiversityPenalty { get; init; } = 0.5f;

    internal override int GroupCount => Groups;

    internal override float Diversity => DiversityPenalty;

    internal override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(Groups, 1, nameof(Groups));
        if (BeamWidth % Groups != 0)
            throw new ArgumentException($"BeamWidth {BeamWidth} is not a multiple of Groups {Groups}", nameof(Groups));
        if (!(DiversityPenalty >= 0) || !float.IsFinite(DiversityPenalty))
            throw new ArgumentOutOfRangeException(nameof(DiversityPenalty), DiversityPenalty, "must be finite and ≥ 0");
    }
}
