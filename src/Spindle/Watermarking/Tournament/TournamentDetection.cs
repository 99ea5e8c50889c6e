namespace Spindle.Watermarking.Tournament;

/// <summary>
/// What <see cref="TournamentDetector"/> found: over <see cref="ScoredTokens"/> tokens and m layers,
/// <see cref="Ones"/> of the T·m g-values were 1 (mean <see cref="MeanScore"/>); <see cref="PValue"/> is the exact
/// upper tail of Binomial(T·m, ½) at that count, <see cref="ZScore"/> its normal-approximation z (for reading only).
/// </summary>
public sealed record TournamentDetection(
    WatermarkVerdict Verdict, int ScoredTokens, int Layers, int Ones, double MeanScore, double ZScore, double PValue);
