namespace Spindle.Caching;

/// <summary>A forward pass needed more cache slots than the context length allows.</summary>
public sealed class KvCacheFullException(string message) : ContextExceededException(message);
