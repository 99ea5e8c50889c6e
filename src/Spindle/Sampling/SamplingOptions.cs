namespace Spindle.Sampling;

/// <summary>
/// Every sampling option, with llama.cpp's defaults. A value that disables a stage (top-k 0, top-p 1, min-p 0, …)
/// leaves it out of the chain.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Temperature; ≤ 0 means greedy.</summary>
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

    public bool IsGreedy => Temperature <= 0f && Mirostat == 0;
}
