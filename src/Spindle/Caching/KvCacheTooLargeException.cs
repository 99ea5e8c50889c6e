namespace Spindle.Caching;

/// <summary>
/// A KV cache (or several, for beam search) that cannot be allocated: it needs more memory than the process may use, or
/// a layer's keys would not fit in one array. Raised before anything is allocated; the remedy is a shorter context
/// (<c>-c</c> in the CLI) or fewer beams.
/// </summary>
public sealed class KvCacheTooLargeException(string message, int contextLength, int cacheCount, long requiredBytes, long availableBytes)
    : SpindleException(message)
{
    /// <summary>Slots per cache that were asked for.</summary>
    public int ContextLength { get; } = contextLength;

    /// <summary>How many caches of that size were asked for at once (beams).</summary>
    public int CacheCount { get; } = cacheCount;

    public long RequiredBytes { get; } = requiredBytes;

    /// <summary>What the check allowed: the memory the runtime reports as available to the process.</summary>
    public long AvailableBytes { get; } = availableBytes;
}
