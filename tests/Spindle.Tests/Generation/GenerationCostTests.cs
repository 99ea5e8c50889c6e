using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

public sealed class GenerationCostTests(ITestOutputHelper output)
{
    /// <summary>
    /// Per token, generation allocates only the chunk and its text: the difference between a long and a short run,
    /// divided by the extra tokens, stays within a couple of small objects (96 bytes measured).
    /// </summary>
    [Fact]
    public void GenerationAllocatesOnlyTheChunkPerToken()
    {
        using var model = Load(Stories260K, threads: 1);
        var options = new GenerationOptions { Seed = 3, Sampling = new SamplingOptions { Temperature = 0.8f } };
        long Allocated(int tokens)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n = 0;
            foreach (var c in model.GenerateAsync("Once upon a time", options with { MaxTokens = tokens }).ToBlockingEnumerable()) n++;
            Assert.Equal(tokens, n);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(20); // warm up
        // The least of three measurements: a gen-2 collection caused by tests running in parallel trims ArrayPool's
        // per-thread caches, and the next rent then allocates once; a steady per-token allocation shows in every run.
        long perToken = long.MaxValue;
        for (int run = 0; run < 3; run++) perToken = Math.Min(perToken, (Allocated(260) - Allocated(60)) / 200);
        output.WriteLine($"{perToken} bytes allocated per token");
        Assert.InRange(perToken, 0, 160);
    }

    /// <summary>
    /// How much of decode time the sampler chain (llama.cpp's default chain) and the raw logprobs take, on the largest
    /// models here: reported, not asserted (timings on a shared machine).
    /// </summary>
    [Theory]
    [InlineData("conformance/qwen2.f32.gguf")]
    [InlineData("models/tinystories-656K/tinystories-656K.f16.gguf")]
    public void SamplingShareOfDecodeTime(string file)
    {
        using var model = Load(SharedData.PathOf(file.Split('/')), threads: 1);
        var options = new GenerationOptions { MaxTokens = 200, Seed = 1, Sampling = new SamplingOptions() };
        int[] prompt = [model.Vocabulary.BosId >= 0 ? model.Vocabulary.BosId : 1];
        GenerationUsage? usage = null;
        for (int run = 0; run < 3; run++)
            foreach (var c in model.GenerateAsync(prompt, options).ToBlockingEnumerable())
                usage = c.Usage ?? usage;
        double share = usage!.SamplingTime / usage.DecodeTime;
        output.WriteLine($"{file}: {usage.GeneratedTokens} tokens, decode {usage.DecodeTokensPerSecond:F0} tokens/s, " +
                         $"sampling {usage.SamplingTime.TotalMicroseconds / usage.GeneratedTokens:F1} µs/token = {share:P2} of decode time");
        Assert.True(share < 1);
    }
}
