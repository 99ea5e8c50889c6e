using System.Numerics;

namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// A detection threshold and the rates it gives: a text is called watermarked when its score is strictly above
/// <see cref="Threshold"/> (−∞: every text).
/// </summary>
public sealed record ThresholdRates(double Threshold, double TruePositiveRate, double FalsePositiveRate);

/// <summary>
/// The figures watermark papers report, from detection scores (higher = more watermarked; e.g. z or −log₁₀ p) of
/// watermarked texts (positives) and unwatermarked ones (negatives), and from decoded messages.
/// </summary>
public static class DetectionMetrics
{
    /// <summary>
    /// ROC AUC by the Mann–Whitney U statistic: P(positive score &gt; negative score) + ½ P(equal), computed from
    /// mid-ranks in O((n + m) log(n + m)). ±∞ are ordinary (largest/smallest) scores; NaN is refused.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<double> positives, ReadOnlySpan<double> negatives)
    {
        if (positives.Length == 0 || negatives.Length == 0) throw new ArgumentException("AUC needs at least one positive and one negative score");
        var all = new (double Score, bool Positive)[positives.Length + negatives.Length];
        for (int i = 0; i < positives.Length; i++) all[i] = (Checked(positives[i]), true);
        for (int i = 0; i < negatives.Length; i++) all[positives.Length + i] = (Checked(negatives[i]), false);
        Array.Sort(all, (a, b) => a.Score.CompareTo(b.Score));
        // Sum of the positives' ranks, ties getting the mean of the ranks they span (1-based).
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j + 1 < all.Length && all[j + 1].Score == all[i].Score) j++;
            double midRank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++)
                if (all[t].Positive) rankSum += midRank;
            i = j + 1;
        }
        double n = positives.Length, m = negatives.Length;
        return (rankSum - n * (n + 1) / 2) / (n * m);
    }

    /// <summary>
    /// The empirical threshold for a false-positive rate of at most <paramref name="maxFalsePositiveRate"/>: with m
    /// negatives and k = ⌊rate·m⌋, the (k + 1)-th largest negative score, so that at most k negatives lie strictly above
    /// it (the negatives' empirical (1 − rate) quantile; −∞ when k ≥ m).
    /// </summary>
    public static double EmpiricalThreshold(ReadOnlySpan<double> negatives, double maxFalsePositiveRate)
    {
        if (negatives.Length == 0) throw new ArgumentException("the threshold needs at least one negative score", nameof(negatives));
        if (!(maxFalsePositiveRate >= 0 && maxFalsePositiveRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxFalsePositiveRate), maxFalsePositiveRate, "must be in [0, 1]");
        int k = (int)Math.Floor(maxFalsePositiveRate * negatives.Length + 1e-9);
        if (k >= negatives.Length) return double.NegativeInfinity;
        double[] sorted = negatives.ToArray();
        foreach (double s in sorted) Checked(s);
        Array.Sort(sorted);
        return sorted[sorted.Length - 1 - k];
    }

    /// <summary>Share of <paramref name="scores"/> strictly above <paramref name="threshold"/> (0 for none).</summary>
    public static double RateAbove(ReadOnlySpan<double> scores, double threshold)
    {
        if (scores.Length == 0) return 0;
        int above = 0;
        foreach (double s in scores)
            if (s > threshold) above++;
        return (double)above / scores.Length;
    }

    /// <summary>TPR and the achieved FPR at <see cref="EmpiricalThreshold"/> of the negatives (FPR ≤ the rate asked).</summary>
    public static ThresholdRates AtFalsePositiveRate(ReadOnlySpan<double> positives, ReadOnlySpan<double> negatives, double maxFalsePositiveRate)
    {
        double threshold = EmpiricalThreshold(negatives, maxFalsePositiveRate);
        return new ThresholdRates(threshold, RateAbove(positives, threshold), RateAbove(negatives, threshold));
    }

    /// <summary>The share of the <paramref name="bits"/> low bits on which two messages agree.</summary>
    public static double BitAccuracy(ulong sent, ulong decoded, int bits)
    {
        if (bits is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(bits), bits, "must be in 1..64");
        ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        return 1 - (double)BitOperations.PopCount((sent ^ decoded) & mask) / bits;
    }

    /// <summary>Message bits carried per token of text: bits / tokens (0 for no tokens).</summary>
    public static double BitsPerToken(int bits, double tokens) => tokens > 0 ? bits / tokens : 0;

    private static double Checked(double score) =>
        double.IsNaN(score) ? throw new ArgumentException("a score is NaN") : score;
}
