using Spindle.Caching;

namespace Spindle.Decoding;

/// <summary>Beam search settings; the defaults follow Hugging Face's generate() where it has one.</summary>
public record BeamSearchOptions
{
    /// <summary>Beams kept per step (B); also how many hypotheses are returned.</summary>
    public int BeamWidth { get; init; } = 4;

    /// <summary>Tokens generated at most, the stop token included.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>
    /// α in score = sum log p / generated_length^α (HF <c>length_penalty</c>, default 1). Positive favours longer
    /// hypotheses, negative shorter ones, 0 compares raw log-probabilities. Generated length counts the stop token.
    /// </summary>
    public float LengthPenalty { get; init; } = 1.0f;

    public BeamEarlyStopping EarlyStopping { get; init; } = BeamEarlyStopping.Heuristic;

    /// <summary>Tokens that finish a hypothesis (EOS, EOT, ...); empty: hypotheses end only at <see cref="MaxNewTokens"/>.</summary>
    public IReadOnlyList<int> StopTokens { get; init; } = [];

    /// <summary>Type of the per-beam caches (F16 matches llama.cpp's default).</summary>
    public KvCacheFormat CacheType { get; init; } = KvCacheFormat.F16;

    internal virtual int GroupCount => 1;

    internal virtual float Diversity => 0f;

    internal virtual void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BeamWidth, 1, nameof(BeamWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNewTokens, 1, nameof(MaxNewTokens));
        if (!float.IsFinite(LengthPenalty)) throw new ArgumentOutOfRangeException(nameof(LengthPenalty), LengthPenalty, "must be finite");
        ArgumentNullException.ThrowIfNull(StopTokens);
    }
}
