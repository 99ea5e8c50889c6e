namespace Spindle.Watermarking.Kgw;

/// <summary>
/// A green-list watermark (Kirchenbauer et al., "A Watermark for Large Language Models", ICML 2023): at each position a
/// keyed hash of the previous <see cref="ContextWidth"/> tokens makes each token green with probability
/// <see cref="Gamma"/>, and green tokens get <see cref="Delta"/> added to their logits. The detector counts green tokens
/// and runs a one-sided z-test.
/// </summary>
public sealed record KgwOptions : WatermarkOptions
{
    /// <summary>Most context tokens a seed may use.</summary>
    public const int MaxContextWidth = 16;

    /// <summary>γ ∈ (0, 1): the chance a token is green at a position (default 0.25).</summary>
    public double Gamma { get; init; } = 0.25;

    /// <summary>δ ≥ 0: the logit bias of green tokens (default 2.0).</summary>
    public float Delta { get; init; } = 2.0f;

    /// <summary>
    /// h: how many previous tokens seed the green list, 0 to <see cref="MaxContextWidth"/> (default 1). 0 is the unigram
    /// watermark (Zhao et al., "Provable Robust Watermarking for AI-Generated Text", ICLR 2024): one fixed green list
    /// for every position, whatever the seeding, so an edit changes the greenness of the edited tokens only.
    /// </summary>
    public int ContextWidth { get; init; } = 1;

    /// <summary>How those tokens become a seed (default <see cref="KgwSeeding.LeftHash"/>).</summary>
    public KgwSeeding Seeding { get; init; } = KgwSeeding.LeftHash;

    public override void Validate()
    {
        if (!(Gamma > 0 && Gamma < 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "must be in (0, 1)");
        if (!(Delta >= 0) || float.IsInfinity(Delta)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "must be finite and ≥ 0");
        if (ContextWidth is < 0 or > MaxContextWidth)
            throw new ArgumentOutOfRangeException(nameof(ContextWidth), ContextWidth, $"must be in 0..{MaxContextWidth}");
        if (!Enum.IsDefined(Seeding)) throw new ArgumentOutOfRangeException(nameof(Seeding), Seeding, "unknown seeding");
    }
}
