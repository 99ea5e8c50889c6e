using Spindle.Caching;

namespace Spindle.Decoding;

public sealed record GreedySearchOptions
{
    /// <summary>Tokens generated at most, the stop token included.</summary>
    public int MaxNewTokens { get; init; } = 64;

    public IReadOnlyList<int> StopTokens { get; init; } = [];

    public KvCacheFormat CacheType { get; init; } = KvCacheFormat.F16;
}
