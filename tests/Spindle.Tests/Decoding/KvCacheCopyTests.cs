using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Tests.Decoding;

/// <summary>The cache copies the search strategies rely on (copy-on-select for beams, slot moves for contrastive candidates).</summary>
public sealed class KvCacheCopyTests
{
    [Fact]
    public void ForkContinuesExactlyAsTheOriginal()
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int v = model.Config.VocabSize;
        var original = model.CreateCache(KvCacheType.F16, 16);
        var logits = new float[v];
        model.Forward([1, 80, 147, 201], [0, 1, 2, 3], original, logits);
        var fork = original.Fork();
        Assert.Equal(original.Count, fork.Count);
        Assert.Equal(original.Positions.ToArray(), fork.Positions.ToArray());
        var a = new float[v];
        var b = new float[v];
        model.Forward([282], [4], original, a);
        model.Forward([282], [4], fork, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void CopySlotMovesKeyValueAndPosition()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int v = model.Config.VocabSize;
        var logits = new float[v];
        // Slot 3 gets token 300 at position 3 side by side with slot 2 (token 261, also at position 2 → 3 below).
        var tree = model.CreateCache(KvCacheType.F32, 16);
        model.Forward([1, 403], [0, 1], tree, logits);
        // Siblings: each sees the cached prefix and itself only.
        model.ForwardTree([261, 300], [2, 2], tree, new AttentionMask(2), new float[2 * v]);
        tree.CopySlot(3, 2);
        tree.Truncate(3);

        var linear = model.CreateCache(KvCacheType.F32, 16);
        model.Forward([1, 403, 300], [0, 1, 2], linear, logits);
        var expected = new float[v];
        var actual = new float[v];
        model.Forward([378], [3], linear, expected);
        model.Forward([378], [3], tree, actual);
        float maxDelta = 0;
        for (int i = 0; i < v; i++) maxDelta = Math.Max(maxDelta, Math.Abs(expected[i] - actual[i]));
        Assert.True(maxDelta <= 1e-4, $"max |Δ| {maxDelta}");
    }

    [Fact]
    public void CopyToRejectsMismatchedCaches()
    {
        var shape = new KvCacheShape(2, 1, 4, 4);
        var f16 = new ContiguousKvCache(shape, 8, KvCacheType.F16);
        Assert.Throws<ArgumentException>(() => f16.CopyTo(f16));
        Assert.Throws<ArgumentException>(() => f16.CopyTo(new ContiguousKvCache(shape, 8, KvCacheType.F32)));
        Assert.Throws<ArgumentException>(() => f16.CopyTo(new ContiguousKvCache(new KvCacheShape(3, 1, 4, 4), 8, KvCacheType.F16)));
        Assert.Throws<ArgumentOutOfRangeException>(() => f16.CopyTo(new ContiguousKvCache(shape, 8, KvCacheType.F16), fromSlot: 1));
    }
}
