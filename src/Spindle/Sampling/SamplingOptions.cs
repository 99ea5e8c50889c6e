namespace Spindle.Sampling;

/// <summary>
/// Every sampling option, with llama.cpp's defaults. A value that disables a stage (top-k 0, top-p 1, min-p 0, …)
/// leaves it out of the chain.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Temperature ≥ 0; 0 means greedy.</summary>
    public float Temperature { get; init; } = 0.8f;
    /// <summary>Dynamic temperature range Δ (0: off).</summary>
    public float DynamicTemperatureRange { get; init; }
    public float DynamicTemperatureExponent { get; init; } = 1f;
    public int TopK { get; init; } = 40;
    public float TopP { get; init; } = 0.95f;
    public float MinP { get; init; } = 0.05f;
    public float TypicalP { get; init; } = 1f;
    /// <summary>Top-nσ's N (≤ 0: off).</summary>
    public float TopNSigma { get; init; } = -1f;
    public float XtcProbability { get; init; }
    public float XtcThreshold { get; init; } = 0.1f;
    /// <summary>How many recent tokens the penalties look at (0: off, −1: the whole context).</summary>
    public int PenaltyWindow { get; init; } = 64;
    public float RepetitionPenalty { get; init; } = 1f;
    public float FrequencyPenalty { get; init; }
    public float PresencePenalty { get; init; }
    public float DryMultiplier { get; init; }
    public float DryBase { get; init; } = 1.75f;
    public int DryAllowedLength { get; init; } = 2;
    /// <summary>DRY's window (−1: the whole context).</summary>
    public int DryWindow { get; init; } = -1;
    public IReadOnlyList<string> DrySequenceBreakers { get; init; } = DryStage.DefaultBreakers;
    /// <summary>0: off; 1 or 2: Mirostat version (replaces top-k/p, min-p, typical, XTC).</summary>
    public int Mirostat { get; init; }
    public float MirostatTau { get; init; } = 5f;
    public float MirostatEta { get; init; } = 0.1f;
    public IReadOnlyDictionary<int, float> LogitBias { get; init; } = new Dictionary<int, float>();
    public int MinKeep { get; init; } = 1;
    public ulong Seed { get; init; } = 0xC0FFEE;

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0f };

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> naming the first property whose value is NaN, infinite or outside
    /// its meaningful range: probabilities in [0, 1], temperatures and multipliers ≥ 0, a repetition penalty &gt; 0
    /// (1 = off), windows ≥ −1 (−1 = the context), Mirostat 0, 1 or 2. The values llama.cpp gives a meaning keep it
    /// (top-k 0 = off, top-nσ ≤ 0 = off, repetition penalty 1 = off). A logit bias may be −∞ (a ban), not NaN or +∞.
    /// Requests from the network come through here, so nothing downstream sees a NaN.
    /// </summary>
    public void Validate()
    {
        AtLeast(Temperature, 0f, nameof(Temperature));
        AtLeast(DynamicTemperatureRange, 0f, nameof(DynamicTemperatureRange));
        AtLeast(DynamicTemperatureExponent, 0f, nameof(DynamicTemperatureExponent));
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "must be ≥ 0 (0 = off)");
        Probability(TopP, nameof(TopP));
        Probability(MinP, nameof(MinP));
        Probability(TypicalP, nameof(TypicalP));
        Finite(TopNSigma, nameof(TopNSigma));
        Probability(XtcProbability, nameof(XtcProbability));
        Probability(XtcThreshold, nameof(XtcThreshold));
        if (PenaltyWindow < -1) throw new ArgumentOutOfRangeException(nameof(PenaltyWindow), PenaltyWindow, "must be ≥ −1 (−1 = the context, 0 = off)");
        if (!(RepetitionPenalty > 0f && float.IsFinite(RepetitionPenalty)))
            throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "must be finite and > 0 (1 = off)");
        Finite(FrequencyPenalty, nameof(FrequencyPenalty));
        Finite(PresencePenalty, nameof(PresencePenalty));
        AtLeast(DryMultiplier, 0f, nameof(DryMultiplier));
        AtLeast(DryBase, 1f, nameof(DryBase));
        if (DryAllowedLength < 0) throw new ArgumentOutOfRangeException(nameof(DryAllowedLength), DryAllowedLength, "must be ≥ 0");
        if (DryWindow < -1) throw new ArgumentOutOfRangeException(nameof(DryWindow), DryWindow, "must be ≥ −1 (−1 = the context)");
        ArgumentNullException.ThrowIfNull(DrySequenceBreakers, nameof(DrySequenceBreakers));
        if (Mirostat is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(Mirostat), Mirostat, "must be 0 (off), 1 or 2");
        AtLeast(MirostatTau, 0f, nameof(MirostatTau));
        AtLeast(MirostatEta, 0f, nameof(MirostatEta));
        ArgumentNullException.ThrowIfNull(LogitBias, nameof(LogitBias));
        foreach (var (token, bias) in LogitBias)
        {
            if (token < 0) throw new ArgumentOutOfRangeException(nameof(LogitBias), token, "token ids must be ≥ 0");
            if (float.IsNaN(bias) || float.IsPositiveInfinity(bias))
                throw new ArgumentOutOfRangeException(nameof(LogitBias), bias, $"the bias of token {token} must be finite or −∞");
        }
        if (MinKeep < 0) throw new ArgumentOutOfRangeException(nameof(MinKeep), MinKeep, "must be ≥ 0");
    }

    private static void Finite(float value, string name)
    {
        if (!float.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, "must be a finite number");
    }

    private static void AtLeast(float value, float minimum, string name)
    {
        // Written so that NaN fails too.
        if (!(value >= minimum && float.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"must be finite and ≥ {minimum}");
    }

    private static void Probability(float value, string name)
    {
        if (!(value >= 0f && value <= 1f)) throw new ArgumentOutOfRangeException(name, value, "must be in [0, 1]");
    }

    public bool IsGreedy => Temperature <= 0f && Mirostat == 0;
}
