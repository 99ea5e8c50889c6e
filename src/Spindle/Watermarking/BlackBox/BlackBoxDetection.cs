namespace Spindle.Watermarking.BlackBox;

/// <summary>
/// What <see cref="BlackBoxDetector"/> found: <see cref="Ones"/> of <see cref="ScoredWords"/> scored words had bit 1;
/// z = (ones − T/2)/√(T/4) and <see cref="PValue"/> = P(Z ≥ z).
/// </summary>
public sealed record BlackBoxDetection(WatermarkVerdict Verdict, int ScoredWords, int Ones, double ZScore, double PValue)
{
    /// <summary>ones / T (0 when nothing was scored).</summary>
    public double OneFraction => ScoredWords == 0 ? 0 : (double)Ones / ScoredWords;
}
