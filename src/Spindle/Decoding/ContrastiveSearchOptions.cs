using Spindle.Caching;

namespace Spindle.Decoding;

/// <summary>Contrastive search (Su et al. 2022) settings, named as HF's <c>penalty_alpha</c> and <c>top_k</c>.</summary>
public sealed record ContrastiveSearchOptions
{
    /// <summary>α in (1 − α)·p(v) − α·max_j cos(h_v, h_j); 0 is greedy decoding. The paper uses 0.6.</summary>
    public float Alpha { get; init; } = 0.6f;

    /// <summary>Candidates considered per step (the k most probable tokens).</summary>
    public int TopK { get; init; } = 4;

    /// <summary>Tokens generated at most, the stop token included.</summary>
    public int MaxNewTokens { get; init; } = 64;

    public IReadOnlyList<int> StopTokens { get; init; } = [];

    public KvCacheFormat CacheType { get; init; } = KvCacheFormat.F16;

    internal void Validate()
    {
        if (!(Alpha >= 0 && Alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(TopK, 1, nameof(TopK));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNewTokens, 1, nameof(MaxNewTokens));
        ArgumentNullException.ThrowIfNull(StopTokens);
    }
}
