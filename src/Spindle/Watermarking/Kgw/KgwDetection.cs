namespace Spindle.Watermarking.Kgw;

/// <summary>
/// What <see cref="KgwDetector"/> found: <see cref="GreenTokens"/> of <see cref="ScoredTokens"/> were green,
/// z = (g − γT)/√(Tγ(1 − γ)), and <see cref="PValue"/> = P(Z ≥ z) for a standard normal Z.
/// </summary>
public sealed record KgwDetection(WatermarkVerdict Verdict, int ScoredTokens, int GreenTokens, double ZScore, double PValue)
{
    /// <summary>g / T (0 when nothing was scored).</summary>
    public double GreenFraction => ScoredTokens == 0 ? 0 : (double)GreenTokens / ScoredTokens;
}
