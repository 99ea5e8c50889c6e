using Spindle.Caching;
using Spindle.Models;

namespace Spindle.Tests.Models;

/// <summary>The forward pass agrees with itself across batching, threading, rollback and masking.</summary>
public sealed class ForwardConsistencyTests
{
    private static readonly int[] Prompt = ReferenceModels.ConformancePrompt;

    public static TheoryData<string> ConformanceFiles() =>
        ["conformance/llama.f32.gguf", "conformance/qwen2.f32.gguf", "conformance/phi3.f32.gguf", "conformance/gemma.f32.gguf"];

    private static Model Load(string file, int threads = 1) =>
        Model.Load(ReferenceModels.Find(file).GgufPath, new ModelOptions { ThreadCount = threads });

    [Theory]
    [MemberData(nameof(ConformanceFiles))]
    public void BatchedPrefillMatchesTokenByTokenDecode(string file)
    {
        using var model = Load(file);
        // An F32 cache computes each token's attention independently of the batch: the results agree to rounding.
        Assert.True(BatchedVersusStepwise(model, KvCacheType.F32) <= 1e-4);
        // With an F16 cache the probabilities × values sum runs in llama.cpp's tiled order whatever the number of slots
        // in view (llama.cpp pads it), so a prompt token and a decoded token are summed alike.
        Assert.True(BatchedVersusStepwise(model, KvCacheType.F16) <= 1e-4);
    }

    public static TheoryData<string, int> PrefillFiles() => new()
    {
        { "conformance/llama.f32.gguf", 16 }, { "conformance/llama.f32.gguf", 100 },
        { "conformance/llama.q4_k_m.gguf", 100 }, { "conformance/qwen2.f32.gguf", 16 }, { "conformance/qwen2.f32.gguf", 100 },
        { "conformance/phi3.f16.gguf", 100 }, { "conformance/gemma.f32.gguf", 100 },
        { "models/tinystories-656K/tinystories-656K.f16.gguf", 100 },
        { "conformance/llama.q8_0.gguf", 16 }, { "conformance/llama.q8_0.gguf", 100 }, { "conformance/qwen2.q8_0.gguf", 100 },
        { "conformance/phi3.q8_0.gguf", 100 }, { "conformance/gemma.q8_0.gguf", 100 }, { "conformance/llama-tied.q8_0.gguf", 100 },
        { "conformance/llama.q4_0.gguf", 100 }, { "conformance/llama.q4_1.gguf", 100 }, { "conformance/llama.q5_0.gguf", 100 },
        { "conformance/llama.q5_1.gguf", 100 }, { "conformance/llama.iq4_nl.gguf", 100 }, { "conformance/llama.iq4_xs.gguf", 100 },
        { "conformance/llama.q2_k.gguf", 100 }, { "conformance/llama.q3_k_m.gguf", 100 }, { "conformance/llama.q5_k_m.gguf", 100 },
        { "conformance/llama.q6_k.gguf", 100 }, { "conformance/llama.bf16.gguf", 100 }, { "conformance/llama.f16.gguf", 100 },
    };

    /// <summary>
    /// With the default F16 cache too: llama.cpp pads the slots in view so that its probabilities × values product runs
    /// in one order whether a token comes in a prompt batch or alone; so does Spindle (and a 100-token prompt runs as
    /// several micro-batches, which must not change anything either). Quantized weights included: their kernels sum each
    /// (row, token) dot in one order whatever the batch, since an ulp of difference, re-quantized to 8 bits in the next
    /// layer's activations, grew into whole quantization steps (0.1–0.4 in logits) over 100 tokens.
    /// </summary>
    [Theory]
    [MemberData(nameof(PrefillFiles))]
    public void BatchedPrefillMatchesTokenByTokenDecodeWithHalfCache(string file, int promptLength)
    {
        using var model = Load(file);
        var prompt = LongPrompt(promptLength, model.Config.VocabSize);
        double delta = BatchedVersusStepwise(model, KvCacheType.F16, prompt);
        Assert.True(delta <= 1e-4, $"max |Δ| {delta}; with an F32 cache {BatchedVersusStepwise(model, KvCacheType.F32, prompt)}");
    }

    [Fact]
    public void MicroBatchSizeDoesNotChangeTheResult()
    {
        var path = ReferenceModels.Find("conformance/qwen2.f32.gguf").GgufPath;
        var prompt = LongPrompt(40, 512);
        float[] Run(int microBatch)
        {
            using var model = Model.Load(path, new ModelOptions { ThreadCount = 1, MicroBatchSize = microBatch });
            var logits = new float[prompt.Length * model.Config.VocabSize];
            var hidden = new float[prompt.Length * model.Config.EmbeddingLength];
            model.Forward(prompt, Positions(0, prompt.Length), model.CreateCache(), logits, allLogits: true, hiddenStates: hidden);
            return [.. logits, .. hidden];
        }
        var whole = Run(64);
        Assert.True(MaxAbsDelta(whole, Run(7)) <= 1e-4);
        Assert.True(MaxAbsDelta(whole, Run(1)) <= 1e-4);
    }

    /// <summary>The conformance prompt, then tokens spread over the vocabulary, <paramref name="length"/> in all.</summary>
    private static int[] LongPrompt(int length, int vocabSize)
    {
        var prompt = new int[length];
        for (int i = 0; i < length; i++) prompt[i] = i < Prompt.Length ? Prompt[i] : (i * 193 + 7) % vocabSize;
        return prompt;
    }

    private static double BatchedVersusStepwise(Model model, KvCacheType type) => BatchedVersusStepwise(model, type, Prompt);

    private static double BatchedVersusStepwise(Model model, KvCacheType type, int[] prompt)
    {
        int v = model.Config.VocabSize, n = prompt.Length;
        var batched = new float[n * v];
        model.Forward(prompt, Positions(0, n), model.CreateCache(type), batched, allLogits: true);

        var cache = model.CreateCache(type);
        var stepwise = new float[n * v];
        for (int i = 0; i < n; i++)
            model.Forward(prompt.AsSpan(i, 1), [i], cache, stepwise.AsSpan(i * v, v));

        Assert.Equal(n, cache.Count);
        return MaxAbsDelta(batched, stepwise);
    }

    [Theory]
    [MemberData(nameof(ConformanceFiles))]
    public void OneAndTwoThreadsGiveIdenticalResults(string file)
    {
        using var one = Load(file, 1);
        using var two = Load(file, 2);
        Assert.Equal(RunPrefillAndDecode(one), RunPrefillAndDecode(two));
    }

    private static float[] RunPrefillAndDecode(Model model)
    {
        int v = model.Config.VocabSize, n = Prompt.Length;
        var result = new float[(n + 4) * v];
        var cache = model.CreateCache();
        model.Forward(Prompt, Positions(0, n), cache, result, allLogits: true);
        for (int i = 0; i < 4; i++)
        {
            int next = LogitsComparison.ArgMax(result.AsSpan((n + i - 1) * v, v));
            model.Forward([next], [cache.Count], cache, result.AsSpan((n + i) * v, v));
        }
        return result;
    }

    [Theory]
    [InlineData(KvCacheType.F16)]
    [InlineData(KvCacheType.F32)]
    public void TruncateThenRedecodeReproducesLogits(KvCacheType type)
    {
        using var model = Load("conformance/llama.f32.gguf");
        int v = model.Config.VocabSize, n = Prompt.Length;
        int[] continuation = [300, 301, 302, 303];
        var cache = model.CreateCache(type);
        var scratch = new float[v];
        model.Forward(Prompt, Positions(0, n), cache, scratch);

        var first = Decode(model, cache, continuation);
        cache.Truncate(n);
        Decode(model, cache, [10, 20, 30]); // a rejected draft
        cache.Truncate(n);
        Assert.Equal(n, cache.Count);
        var second = Decode(model, cache, continuation);
        Assert.Equal(first, second);
    }

    private static float[] Decode(Model model, KvCache cache, int[] tokens)
    {
        int v = model.Config.VocabSize;
        var logits = new float[tokens.Length * v];
        for (int i = 0; i < tokens.Length; i++)
            model.Forward([tokens[i]], [cache.Count], cache, logits.AsSpan(i * v, v));
        return logits;
    }

    [Fact]
    public void VerifyingDraftsInOneBatchMatchesDecodingThem()
    {
        using var model = Load("conformance/qwen2.f32.gguf");
        int v = model.Config.VocabSize, n = Prompt.Length;
        int[] drafts = [153, 93, 408, 78];
        var cache = model.CreateCache();
        var scratch = new float[v];
        model.Forward(Prompt, Positions(0, n), cache, scratch);
        var verified = new float[drafts.Length * v];
        model.Forward(drafts, Positions(n, drafts.Length), cache, verified, allLogits: true);
        cache.Truncate(n);
        var decoded = Decode(model, cache, drafts);
        Assert.True(MaxAbsDelta(verified, decoded) <= 1e-4);
    }

    [Fact]
    public void TreeMaskLetsSiblingBranchesShareOneBatch()
    {
        using var model = Load("conformance/llama.f32.gguf");
        int v = model.Config.VocabSize, n = Prompt.Length;
        var scratch = new float[v];

        // Batch: a, then two alternative next tokens b1 and b2, both at position n + 1; b2 must not see b1.
        int a = 153, b1 = 93, b2 = 408;
        var cache = model.CreateCache();
        model.Forward(Prompt, Positions(0, n), cache, scratch);
        var mask = new AttentionMask(3);
        mask.Allow(1, 0);
        mask.Allow(2, 0);
        var tree = new float[3 * v];
        model.ForwardTree([a, b1, b2], [n, n + 1, n + 1], cache, mask, tree);

        var linear = model.CreateCache();
        model.Forward(Prompt, Positions(0, n), linear, scratch);
        var expectedB2 = new float[v];
        model.Forward([a], [n], linear, scratch);
        model.Forward([b2], [n + 1], linear, expectedB2);
        Assert.True(MaxAbsDelta(tree.AsSpan(2 * v, v), expectedB2) <= 1e-4);
    }

    [Theory]
    [InlineData(KvCacheType.F16)]
    [InlineData(KvCacheType.F32)]
    public void SeveralSequencesInOneBatchMatchRunningThemAlone(KvCacheType type)
    {
        using var model = Load("conformance/phi3.f32.gguf", threads: 2);
        int v = model.Config.VocabSize;
        int[] promptB = [1, 403, 407, 261, 378];

        // Sequence A already holds the 16-token prompt; sequence B starts empty and is prefilled inside the batch,
        // interleaved with two decode steps of A.
        var a = model.CreateCache(type);
        var b = model.CreateCache(type);
        model.Forward(Prompt, Positions(0, Prompt.Length), a, new float[v]);
        int[] tokens = [promptB[0], 153, promptB[1], promptB[2], 93, promptB[3], promptB[4]];
        int[] sequences = [1, 0, 1, 1, 0, 1, 1];
        int[] positions = [0, 16, 1, 2, 17, 3, 4];
        bool[] outputs = [false, true, false, false, true, false, true];
        var batched = new float[3 * v];
        model.Forward(tokens, positions, sequences, [a, b], outputs, batched);
        Assert.Equal(18, a.Count);
        Assert.Equal(5, b.Count);

        var aloneA = model.CreateCache(type);
        model.Forward(Prompt, Positions(0, Prompt.Length), aloneA, new float[v]);
        var expectedA = Decode(model, aloneA, [153, 93]);
        var expectedB = new float[v];
        model.Forward(promptB, Positions(0, promptB.Length), model.CreateCache(type), expectedB);

        Assert.True(MaxAbsDelta(batched.AsSpan(0, 2 * v), expectedA) <= 1e-4);
        Assert.True(MaxAbsDelta(batched.AsSpan(2 * v, v), expectedB) <= 1e-4);
    }

    [Fact]
    public void HiddenStatesAreTheLastRowsOfAllRows()
    {
        using var model = Load("conformance/gemma.f32.gguf");
        int v = model.Config.VocabSize, e = model.Config.EmbeddingLength, n = Prompt.Length;
        var allHidden = new float[n * e];
        model.Forward(Prompt, Positions(0, n), model.CreateCache(), new float[n * v], allLogits: true, hiddenStates: allHidden);
        var lastHidden = new float[e];
        model.Forward(Prompt, Positions(0, n), model.CreateCache(), new float[v], allLogits: false, hiddenStates: lastHidden);
        Assert.Equal(allHidden.AsSpan((n - 1) * e, e).ToArray(), lastHidden);
        Assert.Contains(lastHidden, h => h != 0);
    }

    [Fact]
    public void FullContextIsAClearErrorAndLeavesTheCacheIntact()
    {
        using var model = Load("conformance/llama.f32.gguf");
        var cache = model.CreateCache(capacity: 20);
        var logits = new float[model.Config.VocabSize];
        model.Forward(Prompt, Positions(0, Prompt.Length), cache, logits);
        var e = Assert.Throws<KvCacheFullException>(() => model.Forward([1, 2, 3, 4, 5], Positions(16, 5), cache, logits));
        Assert.Contains("context length of 20", e.Message);
        Assert.Equal(16, cache.Count);
        model.Forward([1, 2, 3, 4], Positions(16, 4), cache, logits);
        Assert.Equal(20, cache.Count);
    }

    [Fact]
    public void DecodingAllocatesNothing()
    {
        using var model = Load("conformance/llama.f32.gguf");
        var cache = model.CreateCache();
        var logits = new float[model.Config.VocabSize];
        var batch = new ForwardBatch(1);
        void Step()
        {
            batch.Clear();
            batch.Add(5, cache.Count, 0, output: true);
            model.Forward(batch, cache, logits);
        }
        for (int i = 0; i < 4; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 16; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static int[] Positions(int start, int count) => Enumerable.Range(start, count).ToArray();

    internal static double MaxAbsDelta(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}

public sealed class InferenceSessionTests
{
    [Fact]
    public void SessionReproducesGreedyAndRollsBack()
    {
        var entry = ReferenceModels.Find("conformance/phi3.f32.gguf");
        using var model = Model.Load(entry.GgufPath, new ModelOptions { ThreadCount = 2 });
        var session = new InferenceSession(model);
        var expected = ReferenceModels.ReadGreedy(entry);
        int next = LogitsComparison.ArgMax(session.Prefill(entry.Prompt));
        var produced = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            produced.Add(next);
            next = LogitsComparison.ArgMax(session.Decode(next));
        }
        Assert.Equal(expected.Take(8), produced);
        Assert.Equal(entry.Prompt.Length + 8, session.TokenCount);

        // Verify the same 8 tokens as drafts in one batch after rolling back.
        session.Rollback(entry.Prompt.Length);
        var all = new float[8 * model.Config.VocabSize];
        session.Evaluate(produced.ToArray(), all);
        for (int i = 0; i < 7; i++)
            Assert.Equal(expected[i + 1], LogitsComparison.ArgMax(all.AsSpan(i * model.Config.VocabSize, model.Config.VocabSize)));
    }
}
