namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// When <see cref="EntropyAdaptiveDecoder"/> hands the sequence to the large model and back. Thresholds are in nats
/// (natural-log entropy of the raw next-token distribution): a uniform choice among k tokens is ln k, so ln 2 ≈ 0.69
/// means "as unsure as a coin flip". The small model runs while the rolling mean stays at or below
/// <see cref="TauUp"/>; once it exceeds <see cref="TauUp"/> the large model runs until the mean falls below
/// <see cref="TauDown"/>. The gap between the two (hysteresis) keeps one borderline token from flipping models back and
/// forth, and every flip costs the model taking over a catch-up prefill.
/// </summary>
public sealed record EntropyAdaptiveOptions
{
    /// <summary>The most tokens <see cref="Window"/> may span: a longer window reacts too late to be worth running.</summary>
    public const int MaxWindow = 4096;

    /// <summary>How many of the last steps' entropies the rolling mean averages (1: each step on its own).</summary>
    public int Window { get; init; } = 5;

    /// <summary>Rolling mean (nats) above which the large model takes over; +∞: never (small only).</summary>
    public double TauUp { get; init; } = 1.0;

    /// <summary>Rolling mean (nats) below which the small model takes back over; −∞: never. Must be ≤ <see cref="TauUp"/>.</summary>
    public double TauDown { get; init; } = 0.8;

    /// <summary>Let the large model choose the first token (and evaluate the prompt) instead of the small one.</summary>
    public bool StartWithLarge { get; init; }

    /// <summary>Whose distribution the window measures: the active model's (default, the paper's rule) or always the small model's.</summary>
    public EntropySource EntropySource { get; init; } = EntropySource.ActiveModel;

    /// <summary>Throws naming the first setting out of range: a window below 1, a NaN threshold, or τ_down above τ_up.</summary>
    public void Validate()
    {
        if (Window < 1 || Window > MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(Window), Window, $"must be in [1, {MaxWindow}]");
        if (double.IsNaN(TauUp)) throw new ArgumentOutOfRangeException(nameof(TauUp), TauUp, "must be a number (±∞ allowed)");
        if (double.IsNaN(TauDown)) throw new ArgumentOutOfRangeException(nameof(TauDown), TauDown, "must be a number (±∞ allowed)");
        if (!Enum.IsDefined(EntropySource)) throw new ArgumentOutOfRangeException(nameof(EntropySource), EntropySource, "not a defined source");
        if (TauDown > TauUp)
            throw new ArgumentException($"τ_down ({TauDown}) must not exceed τ_up ({TauUp}): the hysteresis band would be inverted", nameof(TauDown));
    }
}
