namespace Spindle.Watermarking.Tournament;

/// <summary>
/// SynthID-Text's tournament sampling (Dathathri et al., "Scalable watermarking for identifying large language model
/// outputs", Nature 2024): each candidate x gets g-values g_l(context, x) ∈ {0, 1}, l = 1..m, from a keyed hash of the
/// previous <see cref="ContextWidth"/> tokens and x; a token is drawn as the winner of a knockout tournament of 2^m
/// samples, two per match, where layer l's matches are won by the higher g_l (ties by a fair coin). Sampling stays
/// unbiased over keys; the winner's g-values lean towards 1, which the detector measures.
/// </summary>
public sealed record TournamentOptions : WatermarkOptions
{
    /// <summary>Most layers: every layer's g-value is one bit of a single 64-bit hash per (context, token).</summary>
    public const int MaxLayers = 64;

    /// <summary>Most context tokens.</summary>
    public const int MaxContextWidth = 16;

    /// <summary>m: tournament layers, 1 to <see cref="MaxLayers"/> (default 30, as in SynthID-Text).</summary>
    public int Layers { get; init; } = 30;

    /// <summary>H: previous tokens hashed with the candidate, 1 to <see cref="MaxContextWidth"/> (default 4, as in SynthID-Text).</summary>
    public int ContextWidth { get; init; } = 4;

    public override void Validate()
    {
        if (Layers is < 1 or > MaxLayers) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"must be in 1..{MaxLayers}");
        if (ContextWidth is < 1 or > MaxContextWidth)
            throw new ArgumentOutOfRangeException(nameof(ContextWidth), ContextWidth, $"must be in 1..{MaxContextWidth}");
    }
}
