namespace Spindle.Caching;

/// <summary>
/// The element types of a cache's keys and values, which llama.cpp lets differ (<c>-ctk q8_0 -ctv f16</c>). A plain
/// <see cref="KvCacheType"/> converts to a format with both the same.
/// </summary>
public readonly record struct KvCacheFormat(KvCacheType Keys, KvCacheType Values)
{
    public static readonly KvCacheFormat F16 = new(KvCacheType.F16, KvCacheType.F16);

    public static implicit operator KvCacheFormat(KvCacheType both) => new(both, both);

    public override string ToString() => Keys == Values ? Keys.Name() : $"k {Keys.Name()}, v {Values.Name()}";
}
