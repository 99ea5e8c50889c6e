namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// How well watermarked texts (positives) are told from unwatermarked ones (negatives) that went through the same
/// edit or cut. <see cref="AtTargetRate"/>: the threshold is the negatives' empirical (1 − FPR) quantile
/// (<see cref="DetectionMetrics.EmpiricalThreshold"/>), so the false-positive rate is measured, not assumed;
/// <see cref="TruePositiveRateAtZ"/> / <see cref="FalsePositiveRateAtZ"/>: the detector's own verdict at its
/// theoretical threshold (z = 4 by default). Message figures are null for one-bit schemes.
/// </summary>
public sealed record DetectionSummary(
    int Positives, int Negatives, double MeanTokens, double MeanScoredTokens, double Auc, ThresholdRates AtTargetRate,
    double TruePositiveRateAtZ, double FalsePositiveRateAtZ, double? BitAccuracy, double? MessageAccuracy);

/// <summary>One robustness row: <see cref="Attack"/> ("substitution", "deletion", "insertion", "word") at <see cref="Rate"/>.</summary>
public sealed record AttackSummary(string Attack, double Rate, DetectionSummary Detection);

/// <summary>One length row: every text cut to its first <see cref="Tokens"/> tokens.</summary>
public sealed record LengthSummary(int Tokens, DetectionSummary Detection);

/// <summary>
/// The five measurements of the Balance-Marking paper (Wang et al., ICLR 2024) for one watermark: success
/// (<see cref="Detection"/>), robustness (<see cref="Robustness"/>), coding rate (<see cref="BitsPerToken"/>,
/// <see cref="Lengths"/>), efficiency (tokens/s with and without the watermark, detection time) and quality
/// (perplexity under the generating model, of the generated tokens given the prompt).
/// </summary>
public sealed record WatermarkEvaluationReport(
    string Scheme, int Texts, int Tokens, double MaxFalsePositiveRate, double ZThreshold,
    DetectionSummary Detection, IReadOnlyList<AttackSummary> Robustness, IReadOnlyList<LengthSummary> Lengths,
    int MessageBits, double BitsPerToken,
    double WatermarkedTokensPerSecond, double PlainTokensPerSecond, double DetectionMillisecondsPerText,
    double PerplexityWatermarked, double PerplexityPlain, TimeSpan Elapsed)
{
    /// <summary>Extra generation time per token with the watermark: (plain tokens/s ÷ watermarked tokens/s − 1) × 100.</summary>
    public double OverheadPercent => WatermarkedTokensPerSecond > 0 ? (PlainTokensPerSecond / WatermarkedTokensPerSecond - 1) * 100 : double.NaN;
}
