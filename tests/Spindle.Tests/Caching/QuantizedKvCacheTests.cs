using Spindle.Caching;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Tests.Models;
using Spindle.Tokenization;

namespace Spindle.Tests.Caching;

/// <summary>
/// Q8_0 and Q4_0 keys and values (llama.cpp's <c>-ctk/-ctv</c>): perplexity within 1% of llama.cpp's with the same
/// cache types, close to the F16 cache's logits, and a clear refusal for heads narrower than a quant block.
/// </summary>
public sealed class QuantizedKvCacheTests(ITestOutputHelper output)
{
    /// <summary>
    /// <c>llama-perplexity -m llama.f16.gguf -f story.txt -c 128 -b 128 -fa -ctk T -ctv T</c> (the figures,
    /// llama.cpp build 4748): f16 656,362, q8_0 656,479, q4_0 681,264.
    /// </summary>
    [Theory]
    [InlineData(KvCacheType.F16, 656_362.0)]
    [InlineData(KvCacheType.Q8_0, 656_479.0)]
    [InlineData(KvCacheType.Q4_0, 681_264.0)]
    public void PerplexityWithinOnePercentOfLlamaCpp(KvCacheType type, double llamaCpp)
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "llama.f16.gguf"), new ModelOptions { ThreadCount = 2 });
        var tokenizer = Tokenizer.FromGguf(model.File);
        int[] tokens = tokenizer.Encode(File.ReadAllText(SharedData.PathOf("text", "story.txt")), addSpecial: true, parseSpecial: false);
        var result = PerplexityEvaluator.Evaluate(model, tokens, 128, tokenizer.Vocabulary.BosId, type);
        double relative = Math.Abs(result.Perplexity / llamaCpp - 1);
        output.WriteLine($"{type}: PPL {result.Perplexity:F0} vs llama.cpp {llamaCpp:F0} ({relative:P3})");
        Assert.True(relative <= 0.01, $"{type}: PPL {result.Perplexity:F1} vs llama.cpp {llamaCpp:F0} ({relative:P3})");
    }

    /// <summary>
    /// Mean KL of the quantized caches' logits from the F16 cache's, on 16 teacher-forced positions of a random-weight
    /// model (chaotic: llama.cpp's own Q4_0 weights are 0.34 from its F32 file on these models).
    /// </summary>
    [Theory]
    [InlineData(KvCacheType.Q8_0, KvCacheType.Q8_0, 1e-3)]
    [InlineData(KvCacheType.Q4_0, KvCacheType.Q4_0, 0.3)]
    [InlineData(KvCacheType.Q8_0, KvCacheType.F16, 1e-3)]
    [InlineData(KvCacheType.F16, KvCacheType.Q4_0, 0.1)]
    public void QuantizedCacheLogitsStayCloseToTheF16Cache(KvCacheType keys, KvCacheType values, double maxKl)
    {
        using var model = Model.Load(SharedData.PathOf("conformance", "qwen2.f32.gguf"), new ModelOptions { ThreadCount = 2 });
        int[] prompt = ReferenceModels.ConformancePrompt;
        int n = prompt.Length, v = model.Config.VocabSize;
        var reference = new float[n * v];
        model.Forward(prompt, ModelConformanceTests.Positions(0, n), model.CreateCache(KvCacheType.F16), reference, allLogits: true);
        var quantized = new float[n * v];
        model.Forward(prompt, ModelConformanceTests.Positions(0, n), model.CreateCache(new KvCacheFormat(keys, values)), quantized, allLogits: true);
        var cmp = LogitsComparison.Compare(reference, quantized, v);
        output.WriteLine($"k {keys} v {values} against the F16 cache: {cmp}");
        Assert.True(cmp.MeanKl <= maxKl, $"k {keys} v {values}: {cmp}");
        Assert.True(cmp.MeanKl > 0, "a quantized cache that changes nothing is not quantizing");
    }

    [Theory]
    [InlineData("models/stories260K/stories260K.f32.gguf", 8)]
    [InlineData("models/tinystories-656K/tinystories-656K.f16.gguf", 16)]
    public void HeadsNarrowerThanABlockAreRefused(string file, int headDim)
    {
        using var model = Model.Load(SharedData.PathOf(file.Split('/')), new ModelOptions { ThreadCount = 1 });
        Assert.Equal(headDim, model.Config.KeyHeadDim);
        var e = Assert.Throws<NotSupportedException>(() => model.CreateCache(KvCacheType.Q8_0));
        Assert.Contains($"heads are {headDim} wide", e.Message);
        Assert.Throws<NotSupportedException>(() => model.CreateBlockPool(4, new KvCacheFormat(KvCacheType.F16, KvCacheType.Q4_0)));
    }

    [Fact]
    public void RowsRoundTripThroughEveryType()
    {
        var shape = new KvCacheShape(1, 2, 64, 64);
        var random = new Random(7);
        var key = new float[128];
        var value = new float[128];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (float)(random.NextDouble() * 4 - 2);
            value[i] = (float)(random.NextDouble() * 4 - 2);
        }
        foreach (var (type, tolerance) in new[] { (KvCacheType.F32, 0.0), (KvCacheType.F16, 1e-3), (KvCacheType.Q8_0, 2.0 / 127), (KvCacheType.Q4_0, 2.0 / 7) })
        {
            var cache = new ContiguousKvCache(shape, 4, type);
            cache.Reserve(1);
            cache.Write(0, 0, key, value);
            cache.Commit(1);
            var row = new float[64];
            for (int h = 0; h < 2; h++)
            {
                cache.ReadKey(0, h, 0, row);
                for (int i = 0; i < 64; i++) Assert.True(Math.Abs(row[i] - key[h * 64 + i]) <= tolerance + 1e-6, $"{type} key {h}:{i}");
                cache.ReadValue(0, h, 0, row);
                for (int i = 0; i < 64; i++) Assert.True(Math.Abs(row[i] - value[h * 64 + i]) <= tolerance + 1e-6, $"{type} value {h}:{i}");
            }
        }
    }
}
