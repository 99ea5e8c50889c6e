namespace Spindle.Sampling.Aligned;

/// <summary>How far samples are from a known distribution.</summary>
public static class EmpiricalDivergence
{
    /// <summary>
    /// KL(exact ‖ empirical) in nats over outcomes 0..n−1, with the empirical distribution smoothed by adding ½ to
    /// every count (Krichevsky–Trofimov), so an outcome not yet drawn gives a large finite value rather than ∞. With
    /// exact sampling it falls towards 0 about as (n−1)/(2·samples); a biased sampler's stays near KL(exact ‖ biased).
    /// </summary>
    public static double KlFromCounts(ReadOnlySpan<double> exact, ReadOnlySpan<int> counts)
    {
        if (exact.Length != counts.Length) throw new ArgumentException($"{exact.Length} probabilities but {counts.Length} counts", nameof(counts));
        if (exact.Length == 0) return 0;
        long total = 0;
        foreach (int c in counts)
        {
            if (c < 0) throw new ArgumentException("counts must be ≥ 0", nameof(counts));
            total += c;
        }
        double denominator = total + 0.5 * counts.Length;
        double kl = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            if (exact[i] <= 0) continue;
            kl += exact[i] * Math.Log(exact[i] * denominator / (counts[i] + 0.5));
        }
        return kl;
    }
}
