namespace Spindle.Sampling;

/// <summary>
/// Locally typical sampling (Meister et al.): keeps the tokens whose surprise is closest to the distribution's entropy,
/// until their probabilities sum to at least P.
/// </summary>
public sealed class TypicalStage(float p, int minKeep = 1) : StatelessStage
{
    public float P { get; } = p;

    public override void Apply(CandidateSet candidates)
    {
        if (P >= 1f || candidates.Count == 0) return;
        candidates.Softmax();
        var items = candidates.Items;
        double entropy = 0;
        foreach (ref var c in items)
        {
            if (c.Probability > 0) entropy -= c.Probability * Math.Log(c.Probability);
        }
        // Order by |surprise − entropy|, ascending; a stable order on ties keeps results reproducible.
        var keys = candidates.LogitsScratch();
        for (int i = 0; i < items.Length; i++)
        {
            double surprise = items[i].Probability > 0 ? -Math.Log(items[i].Probability) : double.PositiveInfinity;
            keys[i] = (float)Math.Abs(surprise - entropy);
        }
        keys.Sort(items);
        float cumulative = 0;
        int keep = items.Length;
        for (int i = 0; i < items.Length; i++)
        {
            cumulative += items[i].Probability;
            if (cumulative >= P && i + 1 >= minKeep)
            {
                keep = i + 1;
                break;
            }
        }
        candidates.Truncate(keep);
        candidates.MarkUnsorted();
    }
}
