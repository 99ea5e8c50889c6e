namespace Spindle.Serving;

/// <summary>A snapshot of a <see cref="BatchEngine"/>'s state and its counters since it started.</summary>
public readonly record struct BatchEngineStats(
    int QueuedRequests,
    int ActiveSequences,
    int KvBlocksInUse,
    int KvBlocksTotal,
    int CachedPrefixBlocks,
    long Requests,
    long PromptTokens,
    long PrefixHitTokens,
    long GeneratedTokens,
    long Steps);
