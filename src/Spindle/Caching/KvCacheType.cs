namespace Spindle.Caching;

/// <summary>Element type of cached keys and values.</summary>
public enum KvCacheType
{
    /// <summary>Half precision, as llama.cpp stores its cache by default: matching it matters for matching its logits.</summary>
    F16,

    /// <summary>Full precision.</summary>
    F32,
}
