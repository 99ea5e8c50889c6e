namespace Spindle.Watermarking;

/// <summary>What a detector concludes about a token sequence.</summary>
public enum WatermarkVerdict
{
    /// <summary>Too few tokens could be scored (after skipping repeats) to decide either way.</summary>
    Insufficient,

    /// <summary>The statistic stays below the threshold: no evidence of this key's watermark.</summary>
    NotWatermarked,

    /// <summary>The statistic passes the threshold: the text carries this key's watermark (false-positive rate ≈ the p-value threshold).</summary>
    Watermarked,
}
