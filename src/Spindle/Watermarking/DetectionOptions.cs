namespace Spindle.Watermarking;

/// <summary>
/// When a detector says <see cref="WatermarkVerdict.Watermarked"/>. Every detector turns its statistic into a one-sided
/// p-value and compares it with the normal upper tail at <see cref="ZThreshold"/> (3.17 × 10⁻⁵ at the default 4), so
/// all schemes share one false-positive rate; KGW's z-test is then exactly "z ≥ ZThreshold".
/// </summary>
public sealed record DetectionOptions
{
    public static DetectionOptions Default { get; } = new();

    /// <summary>The z-score a watermarked text must reach (default 4: p ≈ 3.2 × 10⁻⁵).</summary>
    public double ZThreshold { get; init; } = 4.0;

    /// <summary>Fewer scored tokens than this give <see cref="WatermarkVerdict.Insufficient"/> (default 16).</summary>
    public int MinimumScoredTokens { get; init; } = 16;

    /// <summary>The p-value at or below which a text is called watermarked: the normal upper tail at <see cref="ZThreshold"/>.</summary>
    public double PValueThreshold => WatermarkStatistics.NormalUpperTail(ZThreshold);

    /// <exception cref="ArgumentOutOfRangeException">the threshold is not finite or the minimum is below 1.</exception>
    public void Validate()
    {
        if (!double.IsFinite(ZThreshold)) throw new ArgumentOutOfRangeException(nameof(ZThreshold), ZThreshold, "must be finite");
        if (MinimumScoredTokens < 1) throw new ArgumentOutOfRangeException(nameof(MinimumScoredTokens), MinimumScoredTokens, "must be ≥ 1");
    }

    internal WatermarkVerdict Verdict(int scoredTokens, double pValue) =>
        scoredTokens < MinimumScoredTokens ? WatermarkVerdict.Insufficient
        : pValue <= PValueThreshold ? WatermarkVerdict.Watermarked
        : WatermarkVerdict.NotWatermarked;
}
