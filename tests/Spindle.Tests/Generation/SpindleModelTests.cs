using System.Runtime.InteropServices;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

public sealed class SpindleModelTests
{
    private static readonly GenerationOptions Greedy = new() { Sampling = SamplingOptions.Greedy };

    [Fact]
    public void GreedyGenerationReproducesLlamaCppContinuation()
    {
        using var model = Load(Stories260K);
        var chunks = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 100 }));
        int[] expected = ReadIds(SharedData.PathOf("models", "stories260K", "stories260K.f32.greedy.txt"));
        Assert.Equal(expected[..100], IdsOf(chunks));
        Assert.Equal(FinishReason.Length, chunks[^1].FinishReason);
        Assert.StartsWith(", there was a little girl named Lily. She loved to play outside in the park.", TextOf(chunks));
        Assert.Equal(5, chunks[^1].Usage!.PromptTokens);
        Assert.Equal(100, chunks[^1].Usage!.GeneratedTokens);
    }

    [Fact]
    public void LogprobsAreTheLogSoftmaxOfLlamaCppLogits()
    {
        using var model = Load(Stories260K);
        var first = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 1, TopLogprobs = 10 }))[0];
        // llama.cpp's logits after the 5-token prompt are the last row of the reference file.
        var bytes = File.ReadAllBytes(SharedData.PathOf("models", "stories260K", "stories260K.f32.logits.f32"));
        float[] row = MemoryMarshal.Cast<byte, float>(bytes).Slice(4 * 512, 512).ToArray();
        double max = double.NegativeInfinity, sum = 0;
        foreach (float x in row) max = Math.Max(max, x);
        foreach (float x in row) sum += Math.Exp(x - max);
        double lse = max + Math.Log(sum);
        Assert.Equal(row[first.TokenId] - lse, first.Logprob, 0.01);
        Assert.Equal(10, first.TopLogprobs.Count);
        Assert.Equal(first.TokenId, first.TopLogprobs[0].TokenId);
        for (int i = 0; i < 10; i++)
        {
            var t = first.TopLogprobs[i];
            Assert.Equal(row[t.TokenId] - lse, t.Logprob, 0.01);
            if (i > 0) Assert.True(first.TopLogprobs[i - 1].Logprob >= t.Logprob);
        }
        // The ten best of llama.cpp's row are the ten listed.
        var bestTen = Enumerable.Range(0, 512).OrderByDescending(i => row[i]).Take(10).Order();
        Assert.Equal(bestTen, first.TopLogprobs.Select(t => t.TokenId).Order());
    }

    [Fact]
    public void LogprobsAreRawEvenWhenTheSamplerReshapesTheDistribution()
    {
        using var model = Load(Stories260K);
        var raw = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 20 }));
        var hot = new GenerationOptions
        {
            MaxTokens = 20, Seed = 7,
            Sampling = new SamplingOptions { Temperature = 0.1f, TopK = 1, RepetitionPenalty = 1.0f },
        };
        var shaped = Collect(model.GenerateAsync("Once upon a time", hot));
        Assert.Equal(IdsOf(raw), IdsOf(shaped));
        for (int i = 0; i < raw.Count; i++) Assert.Equal(raw[i].Logprob, shaped[i].Logprob, 1e-5);
        Assert.All(shaped, c => Assert.True(c.Logprob < 0));
    }

    [Theory]
    [InlineData("girl", ", there was a little ")]   // " g" + "ir" + "l": three tokens
    [InlineData("Lily. She", ", there was a little girl named ")]
    [InlineData("e was", ", ther")]                // starts inside " there"
    public void StopStringsAcrossTokensAreNeverEmitted(string stop, string expected)
    {
        using var model = Load(Stories260K);
        var chunks = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 60, StopStrings = ["zzz", stop] }));
        Assert.Equal(expected, TextOf(chunks));
        Assert.Equal(FinishReason.StopString, chunks[^1].FinishReason);
        // Nothing delivered at any point was part of the stop string.
        string delivered = "";
        foreach (var c in chunks)
        {
            delivered += c.Text;
            Assert.StartsWith(delivered, expected, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EndOfGenerationTokenEndsGenerationWithoutText()
    {
        using var model = Load(TinyStoriesF16);
        var forceEos = new GenerationOptions
        {
            Sampling = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [model.Vocabulary.EosId] = 100f } },
        };
        var chunks = Collect(model.GenerateAsync("Once upon a time", forceEos));
        var last = Assert.Single(chunks);
        Assert.Equal(model.Vocabulary.EosId, last.TokenId);
        Assert.Equal(FinishReason.EndOfGeneration, last.FinishReason);
        Assert.Equal("", last.Text);
    }

    [Fact]
    public void SeededSamplingIsIdenticalAtOneAndTwoThreads()
    {
        var options = new GenerationOptions { MaxTokens = 120, Seed = 1234, Sampling = new SamplingOptions { Temperature = 1.0f } };
        int[] Run(int threads)
        {
            using var model = Load(TinyStoriesF16, threads);
            return IdsOf(Collect(model.GenerateAsync("Once upon a time", options)));
        }
        int[] one = Run(1), two = Run(2);
        Assert.Equal(one, two);
        Assert.True(one.Length > 10);
        using var again = Load(TinyStoriesF16, 2);
        Assert.NotEqual(one, IdsOf(Collect(again.GenerateAsync("Once upon a time", options with { Seed = 99 }))));
    }

    [Fact]
    public void CancellationStopsBetweenTokensAndKeepsDeliveredText()
    {
        using var model = Load(Stories260K);
        using var cts = new CancellationTokenSource();
        var chunks = new List<GenerationChunk>();
        foreach (var chunk in model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 200 }, cts.Token).ToBlockingEnumerable())
        {
            chunks.Add(chunk);
            if (chunks.Count == 7) cts.Cancel();
        }
        Assert.Equal(8, chunks.Count);
        Assert.Equal(FinishReason.Cancelled, chunks[^1].FinishReason);
        Assert.Equal(-1, chunks[^1].TokenId);
        Assert.Equal(7, chunks[^1].Usage!.GeneratedTokens);
        Assert.Equal(", there was a little gir", TextOf(chunks)); // 7 tokens: "," " there" " was" " a" " little" " g" "ir"
    }

    [Fact]
    public void PromptThatExtendsThePreviousOneReusesTheCache()
    {
        using var model = Load(Stories260K);
        var first = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 20 }));
        int[] prompt = [.. model.EncodePrompt("Once upon a time"), .. IdsOf(first)];
        var second = Collect(model.GenerateAsync(prompt, Greedy with { MaxTokens = 20 }));
        // Every token but the last sampled one (never evaluated) came from the cache.
        Assert.Equal(prompt.Length - 1, second[^1].Usage!.CachedPromptTokens);

        using var fresh = Load(Stories260K);
        var expected = Collect(fresh.GenerateAsync(prompt, Greedy with { MaxTokens = 20 }));
        Assert.Equal(0, expected[^1].Usage!.CachedPromptTokens);
        Assert.Equal(IdsOf(expected), IdsOf(second));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Logprob, second[i].Logprob, 1e-4);

        // A prompt that diverges early rolls the cache back to the common prefix.
        var third = Collect(model.GenerateAsync("Once upon a day", Greedy with { MaxTokens = 5 }));
        using var fresh2 = Load(Stories260K);
        Assert.Equal(IdsOf(Collect(fresh2.GenerateAsync("Once upon a day", Greedy with { MaxTokens = 5 }))), IdsOf(third));
    }

    [Fact]
    public void GenerationStopsWhenTheContextIsFull()
    {
        using var model = Load(Stories260K, context: 32);
        var chunks = Collect(model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 1000 }));
        Assert.Equal(FinishReason.Length, chunks[^1].FinishReason);
        Assert.Equal(32 - 5 + 1, IdsOf(chunks).Length);
    }

    [Fact]
    public void ChatMessagesGoThroughTheTemplate()
    {
        using var model = Load(Stories260K);
        var messages = new[] { Spindle.Chat.ChatMessage.User("Hi") };
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", model.RenderChat(messages));
        var chunks = Collect(model.GenerateAsync(messages, Greedy with { MaxTokens = 5 }));
        Assert.Equal(model.EncodeChat(messages).Length, chunks[^1].Usage!.PromptTokens);
        Assert.Equal(5, IdsOf(chunks).Length);
    }

    [Fact]
    public async Task ContrastiveSearchStreamsChunksWithRawLogprobsAndStopsOnCancellation()
    {
        using var model = Load(Stories260K);
        var contrastive = Greedy with { MaxTokens = 40, Contrastive = new Spindle.Decoding.ContrastiveSearchOptions { Alpha = 0.6f, TopK = 4 } };
        var chunks = Collect(model.GenerateAsync("Once upon a time", contrastive));
        int[] prompt = model.EncodePrompt("Once upon a time");
        var direct = Spindle.Decoding.ContrastiveSearch.Run(model.Model, prompt,
            contrastive.Contrastive! with { MaxNewTokens = 40, StopTokens = [.. model.Vocabulary.EndOfGenerationIds] });
        Assert.Equal(direct.Tokens, IdsOf(chunks));
        Assert.Equal(FinishReason.Length, chunks[^1].FinishReason);
        // Each logprob is the model's raw log-softmax of the chosen token: teacher-forced log-probabilities sum alike.
        Assert.Equal(direct.SumLogProb, chunks.Sum(c => (double)c.Logprob), 1e-3);

        // Streamed, not delivered at the end: cancelling after the third chunk leaves a short output.
        using var cts = new CancellationTokenSource();
        var received = new List<GenerationChunk>();
        await foreach (var chunk in model.GenerateAsync("Once upon a time", contrastive with { MaxTokens = 200 }, cts.Token))
        {
            received.Add(chunk);
            if (received.Count == 3) cts.Cancel();
        }
        Assert.Equal(FinishReason.Cancelled, received[^1].FinishReason);
        Assert.Equal(4, received.Count);
        Assert.Equal(direct.Tokens[..3], received.Take(3).Select(c => c.TokenId));
    }
}
