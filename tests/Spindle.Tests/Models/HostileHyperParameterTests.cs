using System.Diagnostics;
using Spindle.Caching;
using Spindle.Gguf;
using Spindle.Models;

namespace Spindle.Tests.Models;

/// <summary>
/// Hyper-parameters from a file size arrays: each is checked against the file's tensors, int range and available
/// memory before anything is allocated by it, so a hostile value is a <see cref="SpindleException"/> at once rather
/// than an OutOfMemoryException, an overflow or minutes of work.
/// </summary>
public class HostileHyperParameterTests
{
    private static T LoadFails<T>(SyntheticGguf g, int? contextLength = null) where T : Exception
    {
        using var file = GgufFile.FromMemory(g.Build());
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<T>(() =>
        {
            using var model = Model.Load(file);
            model.CreateCache(capacity: contextLength);
        });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        return e;
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1_000_000)]
    [InlineData(21)] // one more layer than the file's 20 tensors
    public void ABlockCountPastTheFilesTensorsIsRefusedBeforeTheLayersAreSized(uint blockCount)
    {
        var e = LoadFails<ModelFormatException>(SyntheticGguf.TinyLlama().Set("llama.block_count", blockCount));
        Assert.Contains($"'llama.block_count' = {blockCount} layers", e.Message);
    }

    [Fact]
    public void HeadsTimesHeadSizeBeyondIntIsRefused()
    {
        var g = SyntheticGguf.TinyLlama().Set("llama.attention.head_count", 65536u).Set("llama.attention.head_count_kv", 65536u)
            .Set("llama.attention.key_length", 65536u).Set("llama.attention.value_length", 65536u);
        var e = LoadFails<ModelFormatException>(g);
        Assert.Contains("too large", e.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(500_000_000)]
    public void AContextLengthWhoseCacheCannotExistIsAKvCacheTooLargeException(uint contextLength)
    {
        // From the file's metadata (the default context) and as an explicit capacity alike.
        var fromFile = LoadFails<KvCacheTooLargeException>(SyntheticGguf.TinyLlama().Set("llama.context_length", contextLength));
        Assert.Equal((int)contextLength, fromFile.ContextLength);
        Assert.IsAssignableFrom<SpindleException>(fromFile);
        var explicitly = LoadFails<KvCacheTooLargeException>(SyntheticGguf.TinyLlama(), (int)contextLength);
        Assert.Equal((int)contextLength, explicitly.ContextLength);
    }

    [Fact]
    public void KvCacheMemoryCountsLayersWidthsAndPositions()
    {
        // 2 layers × 100 tokens × (16 + 16) × 2 bytes + positions 400 B (attention reads the cache in place: no F32 copy).
        var shape = new KvCacheShape(2, 2, 8, 8);
        Assert.Equal(2L * 100 * 32 * 2 + 400, KvCacheMemory.ByteLength(shape, 100, KvCacheType.F16));
        Assert.Equal(2L * 100 * 32 * 4 + 400, KvCacheMemory.ByteLength(shape, 100, KvCacheType.F32));
        Assert.Equal(long.MaxValue, KvCacheMemory.ByteLength(new KvCacheShape(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue), int.MaxValue, KvCacheType.F32));
        KvCacheMemory.EnsureAllocatable(shape, 100, KvCacheType.F16, cacheCount: 64);
        var e = Assert.Throws<KvCacheTooLargeException>(() => KvCacheMemory.EnsureAllocatable(new KvCacheShape(80, 8, 128, 128), 1 << 24, KvCacheType.F16, cacheCount: 4));
        Assert.Equal(4, e.CacheCount);
        Assert.Contains("4 KV caches", e.Message);
    }
}
