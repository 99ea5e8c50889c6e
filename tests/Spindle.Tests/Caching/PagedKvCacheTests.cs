using Spindle.Caching;
using Spindle.Models;
using Spindle.Tests.Models;

namespace Spindle.Tests.Caching;

/// <summary>
/// The paged cache against the contiguous one: the same slots in the same order give the same summation order in
/// attention, so logits must be bit-identical — whatever the block size, however sequences share blocks.
/// </summary>
public sealed class PagedKvCacheTests
{
    /// <summary>Every shared reference file: within llama.cpp's bounds through a paged cache whose blocks the prompt crosses.</summary>
    [Theory]
    [MemberData(nameof(ReferenceModels.Names), MemberType = typeof(ReferenceModels))]
    public void ConformanceLogitsThroughAPagedCacheAreBitIdentical(string file)
    {
        var entry = ReferenceModels.Find(file);
        using var model = Model.Load(entry.GgufPath, new ModelOptions { ThreadCount = 1 });
        int n = entry.Prompt.Length, vocab = model.Config.VocabSize;
        var contiguous = new float[n * vocab];
        model.Forward(entry.Prompt, ModelConformanceTests.Positions(0, n), model.CreateCache(), contiguous, allLogits: true);

        var pool = model.CreateBlockPool(maxBlocks: 8, blockSlots: 5);
        using var sequence = pool.CreateSequence(64);
        var paged = new float[n * vocab];
        // Two pieces, so the second starts inside a block the first filled partly.
        int split = Math.Min(7, n / 2);
        model.Forward(entry.Prompt.AsSpan(0, split), ModelConformanceTests.Positions(0, split), sequence, paged, allLogits: true);
        model.Forward(entry.Prompt.AsSpan(split), ModelConformanceTests.Positions(split, n - split), sequence, paged.AsSpan(split * vocab), allLogits: true);
        Assert.Equal(contiguous, paged);
        Assert.Equal((n + 4) / 5, sequence.BlockTable.Length);

        var cmp = LogitsComparison.Compare(ReferenceModels.ReadLogits(entry), paged, vocab);
        Assert.True(cmp.MaxAbsDelta <= entry.MaxAbsDelta, $"{file}: {cmp}");
        Assert.True(cmp.MeanKl <= entry.MaxMeanKl, $"{file}: {cmp}");
    }

    [Theory]
    [InlineData(KvCacheType.F16)]
    [InlineData(KvCacheType.F32)]
    public void ForkedSequencesShareTheirPrefixAndDivergeExactly(KvCacheType type)
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "qwen2.f32.gguf"), new ModelOptions { ThreadCount = 2 });
        int v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var pool = model.CreateBlockPool(maxBlocks: 32, type, blockSlots: 4);
        using var root = pool.CreateSequence(64);
        var scratch = new float[v];
        model.Forward(prompt.AsSpan(0, 10), ModelConformanceTests.Positions(0, 10), root, scratch);
        int usedBefore = pool.UsedBlocks;

        using var a = (PagedKvCache)root.Fork();
        using var b = (PagedKvCache)root.Fork();
        // Forks share every block: nothing new is allocated until one of them writes.
        Assert.Equal(usedBefore, pool.UsedBlocks);
        Assert.Equal(root.BlockTable.ToArray(), a.BlockTable.ToArray());
        Assert.Equal(3, pool.ReferenceCount(root.BlockTable[0]));

        int[] tailA = [153, 93, 408], tailB = [300, 301];
        var fromA = Decode(model, a, tailA);
        var fromB = Decode(model, b, tailB);
        // The partly filled third block was copied on the first write of each fork; the full ones stay shared.
        Assert.Equal(root.BlockTable[0], a.BlockTable[0]);
        Assert.NotEqual(root.BlockTable[2], a.BlockTable[2]);
        Assert.NotEqual(a.BlockTable[2], b.BlockTable[2]);

        // Each fork continues exactly as a contiguous run of its own tokens, and the root is untouched.
        Assert.Equal(Contiguous(model, type, [.. prompt.AsSpan(0, 10), .. tailA]), fromA);
        Assert.Equal(Contiguous(model, type, [.. prompt.AsSpan(0, 10), .. tailB]), fromB);
        var fromRoot = Decode(model, root, [412]);
        Assert.Equal(Contiguous(model, type, [.. prompt.AsSpan(0, 10), 412]), fromRoot);
    }

    [Fact]
    public void BlocksReturnToThePoolAndExhaustionChangesNothing()
    {
        using var model = Model.Load(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), new ModelOptions { ThreadCount = 1 });
        var pool = model.CreateBlockPool(maxBlocks: 3, blockSlots: 4);
        var scratch = new float[model.Config.VocabSize];
        var a = pool.CreateSequence(64);
        model.Forward([1, 403, 407, 261, 378, 432], [0, 1, 2, 3, 4, 5], a, scratch);
        Assert.Equal(2, pool.UsedBlocks);
        var b = pool.CreateSequence(64);
        a.CopyTo(b);
        Assert.Equal(2, pool.UsedBlocks);
        Assert.Equal(6, b.Count);

        // b needs a copy of the shared partial block and a third block: only one is free.
        var e = Assert.Throws<KvCacheFullException>(() => model.Forward([1, 2, 3], [6, 7, 8], b, scratch));
        Assert.Contains("pool is exhausted", e.Message);
        Assert.Equal(6, b.Count);
        Assert.Equal(2, pool.UsedBlocks);

        a.Truncate(4);
        Assert.Equal(2, pool.UsedBlocks); // b still holds the second block
        a.Dispose();
        Assert.Equal(2, pool.UsedBlocks);
        b.Dispose();
        Assert.Equal(0, pool.UsedBlocks);
        Assert.Equal(3, pool.FreeBlocks);
    }

    [Fact]
    public void CopySlotsBetweenPagedAndContiguousCaches()
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "llama.f32.gguf"), new ModelOptions { ThreadCount = 1 });
        int v = model.Config.VocabSize;
        int[] prompt = ReferenceModels.ConformancePrompt;
        var contiguous = model.CreateCache(KvCacheType.F32, 32);
        model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), contiguous, new float[v]);
        var pool = model.CreateBlockPool(maxBlocks: 16, KvCacheType.F32, blockSlots: 3);
        using var paged = pool.CreateSequence(32);
        contiguous.CopySlots(0, prompt.Length, paged, 0);
        Assert.Equal(prompt.Length, paged.Count);
        Assert.Equal(contiguous.Positions.ToArray(), paged.Positions.ToArray());
        var a = new float[v];
        var b = new float[v];
        model.Forward([153], [prompt.Length], contiguous, a);
        model.Forward([153], [prompt.Length], paged, b);
        Assert.Equal(a, b);
    }

    private static float[] Decode(Model model, KvCache cache, int[] tokens)
    {
        var logits = new float[model.Config.VocabSize];
        foreach (int t in tokens) model.Forward([t], [cache.Count], cache, logits);
        return logits;
    }

    private static float[] Contiguous(Model model, KvCacheType type, int[] tokens)
    {
        var cache = model.CreateCache(type, 64);
        var logits = new float[model.Config.VocabSize];
        model.Forward(tokens.AsSpan(0, 10), ModelConformanceTests.Positions(0, 10), cache, logits);
        return Decode(model, cache, tokens[10..]);
    }
}
