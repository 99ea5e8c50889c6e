using Spindle.Caching;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// A cancelled request ends with a Cancelled chunk, whenever it is cancelled: before it starts, while it waits for
/// another request, or during its prefill, which runs in micro-batches and stops between them. The cache keeps the
/// pieces done, in step with what the model remembers, so the next request with the same prompt gives exactly what an
/// uncancelled one gives.
/// </summary>
public class GenerationCancellationTests
{
    private static readonly GenerationOptions Greedy = new() { MaxTokens = 12, Sampling = SamplingOptions.Greedy };

    private static int[] LongPrompt(SpindleModel model, int tokens)
    {
        var ids = new List<int> { model.Vocabulary.BosId };
        int[] story = model.Tokenizer.Encode(File.ReadAllText(SharedData.PathOf("text", "story.txt")), addSpecial: false, parseSpecial: false);
        while (ids.Count < tokens) ids.AddRange(story);
        return [.. ids.Take(tokens)];
    }

    [Fact]
    public void ACancelledTokenGivesOneCancelledChunkAndNoException()
    {
        using var model = Load(Stories260K);
        var chunks = Collect(model.GenerateAsync("Once upon a time", Greedy, new CancellationToken(true)));
        var last = Assert.Single(chunks);
        Assert.Equal(FinishReason.Cancelled, last.FinishReason);
        Assert.Equal(-1, last.TokenId);
        Assert.NotNull(last.Usage);
        // Nothing was evaluated, and the model still works.
        Assert.Equal(0, model.Session.TokenCount);
        Assert.NotEmpty(IdsOf(Collect(model.GenerateAsync("Once upon a time", Greedy))));
    }

    [Fact]
    public async Task CancellingWhileWaitingForAnotherRequestEndsThatRequestOnly()
    {
        using var model = Load(Stories260K);
        var first = model.GenerateAsync("Once upon a time", Greedy with { MaxTokens = 50 }).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync()); // holds the model
        using var cts = new CancellationTokenSource();
        var waiting = Task.Run(() => Collect(model.GenerateAsync("Once upon a time", Greedy, cts.Token)));
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();
        var chunks = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(FinishReason.Cancelled, Assert.Single(chunks).FinishReason);
        GenerationChunk last = first.Current;
        while (await first.MoveNextAsync()) last = first.Current;
        Assert.Equal(FinishReason.Length, last.FinishReason);
        await first.DisposeAsync();
    }

    [Fact]
    public void SessionPrefillRunsInMicroBatchesAndGivesTheSameLogits()
    {
        using var model = Load(Stories260K);
        int[] prompt = LongPrompt(model, 100);
        var whole = new InferenceSession(model.Model, KvCacheType.F16, 256);
        float[] expected = whole.Prefill(prompt).ToArray();
        var pieces = new InferenceSession(model.Model, KvCacheType.F16, 256);
        for (int start = 0; start < prompt.Length; start += 32) pieces.Prefill(prompt.AsSpan(start, Math.Min(32, prompt.Length - start)));
        Assert.Equal(expected, pieces.Logits.ToArray());
        Assert.Equal(100, pieces.TokenCount);

        // A token cancelled before the call still lets the first micro-batch run; the pass stops before the second.
        var cancelled = new InferenceSession(model.Model, KvCacheType.F16, 256);
        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Prefill(prompt, new CancellationToken(true)));
        Assert.Equal(model.Model.MicroBatchSize, cancelled.TokenCount);
    }

    [Fact]
    public void SessionPrefillStopsBetweenMicroBatches()
    {
        using var model = Load(Stories260K, context: 8192);
        int[] prompt = LongPrompt(model, 6000);
        var session = new InferenceSession(model.Model, KvCacheType.F16, 8192);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        int done;
        try
        {
            session.Prefill(prompt, cts.Token);
            done = prompt.Length;
        }
        catch (OperationCanceledException)
        {
            done = session.TokenCount;
        }
        // Whole micro-batches only, and the cache holds exactly those.
        Assert.True(done == prompt.Length || done % model.Model.MicroBatchSize == 0, $"{done} tokens");
        Assert.Equal(done, session.TokenCount);
        Assert.True(done < prompt.Length, "6,000 tokens of stories260K with attention over them should take longer than 150 ms");
    }

    [Fact]
    public void AfterAPrefillCancelledPartWayTheNextRequestGivesWhatAFreshModelGives()
    {
        using var fresh = Load(Stories260K, context: 8192);
        int[] prompt = LongPrompt(fresh, 6000);
        int[] expected = IdsOf(Collect(fresh.GenerateAsync(prompt, Greedy)));

        using var model = Load(Stories260K, context: 8192);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30)))
        {
            var chunks = Collect(model.GenerateAsync(prompt, Greedy, cts.Token));
            Assert.Equal(FinishReason.Cancelled, chunks[^1].FinishReason);
            Assert.Empty(IdsOf(chunks));
        }
        int kept = model.Session.TokenCount;
        Assert.True(kept < prompt.Length);
        var again = Collect(model.GenerateAsync(prompt, Greedy));
        Assert.Equal(kept, again[^1].Usage!.CachedPromptTokens);
        Assert.Equal(expected, IdsOf(again));
    }

    [Fact]
    public void APromptLongerThanTheContextIsAContextExceededException()
    {
        using var model = Load(Stories260K, context: 8);
        var e = Assert.Throws<ContextExceededException>(() => Collect(model.GenerateAsync("Once upon a time there was a little girl named Lily", Greedy)));
        Assert.Equal(8, e.ContextLength);
        Assert.IsAssignableFrom<SpindleException>(e);
    }
}
