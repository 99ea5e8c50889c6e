namespace Spindle.Sampling;

/// <summary>
/// Top-nσ (Tang et al.): keeps tokens whose logit is within N standard deviations of the largest logit, computed over
/// the finite logits. N ≤ 0 disables it.
/// </summary>
public sealed class TopNSigmaStage(float n) : StatelessStage
{
    public float N { get; } = n;

    public override void Apply(CandidateSet candidates)
    {
        if (N <= 0f || candidates.Count == 0) return;
        var items = candidates.Items;
        float max = float.NegativeInfinity;
        double sum = 0;
        int finite = 0;
        foreach (ref var c in items)
        {
            if (float.IsNegativeInfinity(c.Logit)) continue;
            max = Math.Max(max, c.Logit);
            sum += c.Logit;
            finite++;
        }
        if (finite == 0) return;
        double mean = sum / finite;
        double variance = 0;
        foreach (ref var c in items)
        {
            if (float.IsNegativeInfinity(c.Logit)) continue;
            double d = c.Logit - mean;
            variance += d * d;
        }
        float threshold = max - N * (float)Math.Sqrt(variance / finite);
        int kept = 0;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].Logit >= threshold) items[kept++] = items[i];
        }
        candidates.Truncate(kept);
    }
}
