namespace Spindle.Sampling;

/// <summary>Draws a token from the softmax of the remaining candidates with the request's seeded generator.</summary>
public sealed class DistributionPicker(SamplerRng rng) : ILogitsStage, IShapedPicker
{
    private SamplerRng _rng = rng;

    public void Apply(CandidateSet candidates)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("no candidate token is left to pick");
        candidates.Softmax();
        candidates.Selected = Draw(candidates, _rng);
    }

    public void Shape(CandidateSet candidates)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("no candidate token is left to pick");
        candidates.Softmax();
    }

    public void Commit(CandidateSet shaped, int token) { }

    /// <summary>Inverse-CDF draw over the candidates' probabilities, in their current order.</summary>
    internal static int Draw(CandidateSet candidates, SamplerRng rng)
    {
        var items = candidates.Items;
        double u = rng.NextDouble();
        double cumulative = 0;
        for (int i = 0; i < items.Length; i++)
        {
            cumulative += items[i].Probability;
            if (u < cumulative) return items[i].Id;
        }
        // Rounding left u above the float sum: take the last token with non-zero probability.
        for (int i = items.Length - 1; i >= 0; i--)
        {
            if (items[i].Probability > 0) return items[i].Id;
        }
        return items[0].Id;
    }

    /// <summary>
    /// Index of a draw among the first <paramref name="count"/> candidates in proportion to their probabilities
    /// (which need not sum to 1: the draw is scaled by their total), without renormalizing them first.
    /// </summary>
    internal static int DrawAmongFirst(ReadOnlySpan<TokenCandidate> items, int count, SamplerRng rng)
    {
        float mass = 0;
        for (int i = 0; i < count; i++) mass += items[i].Probability;
        double u = rng.NextDouble() * mass;
        double cumulative = 0;
        for (int i = 0; i < count; i++)
        {
            cumulative += items[i].Probability;
            if (u < cumulative) return i;
        }
        return count - 1;
    }

    public void Accept(int token) { }

    public void Reset() { }

    public ILogitsStage Clone() => new DistributionPicker(_rng.Clone());
}
