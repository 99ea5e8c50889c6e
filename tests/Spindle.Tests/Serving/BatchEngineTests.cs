using Spindle.Caching;
using Spindle.Generation;
using Spindle.Sampling;
using Spindle.Serving;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Serving;

/// <summary>
/// The batch engine against the one-sequence generation loop: a request gets the same tokens whatever runs beside it,
/// prompts sharing a start reuse its blocks, and every block comes back when the engine is idle.
/// </summary>
public sealed class BatchEngineTests
{
    private static readonly string[] Prompts =
        ["Once upon a time", "The little dog", "Lily and Tom went to the park. They saw", "One day, a bird", "Tim had a red ball"];

    private static async Task<(List<int> Ids, string Text, GenerationChunk Last)[]> Drain(GenerationStream stream)
    {
        var results = new (List<int> Ids, System.Text.StringBuilder Text, GenerationChunk? Last)[stream.Choices];
        for (int i = 0; i < results.Length; i++) results[i] = ([], new(), null);
        await foreach (var (index, chunk) in stream)
        {
            Assert.Null(results[index].Last); // nothing after a closing chunk
            if (chunk.TokenId >= 0) results[index].Ids.Add(chunk.TokenId);
            results[index].Text.Append(chunk.Text);
            if (chunk.FinishReason is not null) results[index].Last = chunk;
        }
        return [.. results.Select(r => (r.Ids, r.Text.ToString(), r.Last ?? throw new Xunit.Sdk.XunitException("a choice has no closing chunk")))];
    }

    [Fact]
    public async Task ConcurrentRequestsGetTheirSoloOutputToTheBit()
    {
        using var model = Load(Stories260K, threads: 2);
        var options = new GenerationOptions { MaxTokens = 40, Sampling = SamplingOptions.Greedy };
        var solo = new (int[] Ids, string Text)[Prompts.Length];
        for (int i = 0; i < Prompts.Length; i++)
        {
            var chunks = Collect(model.GenerateAsync(Prompts[i], options));
            solo[i] = (IdsOf(chunks), TextOf(chunks));
        }
        // A small step budget splits the longer prompts into chunks that ride along with other sequences' decodes.
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 3, StepTokenBudget = 5, ContextLength = 256 });
        var streams = Prompts.Select(p => engine.Submit(model.EncodePrompt(p), options)).ToArray();
        var results = await Task.WhenAll(streams.Select(Drain));
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(solo[i].Ids, results[i][0].Ids.ToArray());
            Assert.Equal(solo[i].Text, results[i][0].Text);
            Assert.Equal(FinishReason.Length, results[i][0].Last.FinishReason);
            Assert.Equal(40, results[i][0].Last.Usage!.GeneratedTokens);
        }
        Assert.True(engine.Stats.Steps < Prompts.Length * 41, "sequences were batched together");
        AssertIdle(engine);
    }

    [Fact]
    public async Task ARepeatedPromptReusesItsBlocksAndGivesTheSameOutput()
    {
        using var model = Load(Stories260K, threads: 2);
        var options = new GenerationOptions { MaxTokens = 16, Sampling = SamplingOptions.Greedy };
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 2, ContextLength = 256 });
        // 100 prompt tokens: three full blocks of 32 can be reused.
        int[] prompt = model.EncodePrompt(string.Join(' ', Enumerable.Repeat("Lily saw a big dog.", 20)))[..100];
        var cold = (await Drain(engine.Submit(prompt, options)))[0];
        var warm = (await Drain(engine.Submit(prompt, options)))[0];
        Assert.Equal(0, cold.Last.Usage!.CachedPromptTokens);
        Assert.Equal(96, warm.Last.Usage!.CachedPromptTokens);
        Assert.Equal(cold.Ids, warm.Ids);
        // A prompt that only shares the first 40 tokens reuses one block.
        int[] other = [.. prompt[..40], .. model.EncodePrompt("The cat ran away.", new GenerationOptions { AddSpecial = false })];
        var partial = (await Drain(engine.Submit(other, options)))[0];
        Assert.Equal(32, partial.Last.Usage!.CachedPromptTokens);
        Assert.True(engine.Stats.PrefixHitTokens >= 128);
        AssertIdle(engine);
    }

    [Fact]
    public async Task AFullyCachedPromptStillEvaluatesItsLastToken()
    {
        using var model = Load(Stories260K, threads: 1);
        var options = new GenerationOptions { MaxTokens = 8, Sampling = SamplingOptions.Greedy };
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 2, ContextLength = 128 });
        int[] prompt = model.EncodePrompt(string.Join(' ', Enumerable.Repeat("Tom ran.", 30)))[..64]; // exactly two blocks
        var first = (await Drain(engine.Submit(prompt, options)))[0];
        var second = (await Drain(engine.Submit(prompt, options)))[0];
        Assert.Equal(63, second.Last.Usage!.CachedPromptTokens);
        Assert.Equal(first.Ids, second.Ids);
        AssertIdle(engine);
    }

    [Fact]
    public async Task ChoicesSampleAsLoneRequestsWithSeedPlusIndex()
    {
        using var model = Load(Stories260K, threads: 2);
        var options = new GenerationOptions { MaxTokens = 30, Seed = 7, Sampling = new SamplingOptions { Temperature = 1f } };
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 4, ContextLength = 256 });
        int[] prompt = model.EncodePrompt("Once upon a time");
        var choices = await Drain(engine.Submit(prompt, options, choices: 3));
        Assert.Equal(3, choices.Length);
        Assert.NotEqual(choices[0].Ids, choices[1].Ids);
        // Choice i samples as a lone request with seed + i.
        for (int i = 0; i < 3; i++)
        {
            var alone = (await Drain(engine.Submit(prompt, options with { Seed = 7 + (ulong)i })))[0];
            Assert.Equal(alone.Ids, choices[i].Ids);
        }
        AssertIdle(engine);
    }

    [Fact]
    public async Task CancelledRequestsEndWithACancelledChunkAndFreeTheirBlocks()
    {
        using var model = Load(Stories260K, threads: 2);
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 2, ContextLength = 256 });
        var options = new GenerationOptions { MaxTokens = 200, Sampling = SamplingOptions.Greedy };
        using var cts = new CancellationTokenSource();
        var streams = Enumerable.Range(0, 5).Select(i => engine.Submit(model.EncodePrompt(Prompts[i]), options, choices: 1, cts.Token)).ToArray();
        int seen = 0;
        GenerationChunk? last = null;
        await foreach (var (_, chunk) in streams[0])
        {
            if (++seen == 5) cts.Cancel();
            last = chunk;
        }
        Assert.Equal(FinishReason.Cancelled, last!.FinishReason);
        var results = await Task.WhenAll(streams.Skip(1).Select(Drain));
        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r[0].Last.FinishReason));
        AssertIdle(engine);
    }

    [Fact]
    public async Task BadRequestsAreRefusedAtSubmit()
    {
        using var model = Load(Stories260K, threads: 1);
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 1, ContextLength = 64, MaxQueuedRequests = 1 });
        Assert.Throws<ContextExceededException>(() => engine.Submit(new int[64], new GenerationOptions()));
        Assert.Throws<ArgumentException>(() => engine.Submit([], new GenerationOptions()));
        Assert.Throws<Spindle.Constraints.GrammarException>(() => engine.Submit([1], new GenerationOptions { MaxTokens = 4, Constraint = ConstraintSpec.Regex("(") }));
        Assert.Throws<KvCacheFullException>(() =>
            new BatchEngine(model, new BatchEngineOptions { MaxSequences = 1, ContextLength = 64, KvSlots = 64 }).Submit([1, 2], new GenerationOptions { MaxTokens = 60 }));
        using var cts = new CancellationTokenSource();
        var options = new GenerationOptions { MaxTokens = 60 };
        var running = engine.Submit([1], options, 1, cts.Token);
        var waiting = engine.Submit([1], options, 1, cts.Token);
        var busy = Assert.Throws<EngineBusyException>(() => engine.Submit([1], options));
        Assert.Contains("busy", busy.Message);
        cts.Cancel();
        await Drain(running);
        await Drain(waiting);
    }

    [Fact]
    public async Task ARequestWhoseSamplerFailsEndsAloneAndTheEngineGoesOn()
    {
        using var model = Load(Stories260K, threads: 1);
        using var engine = new BatchEngine(model, new BatchEngineOptions { MaxSequences = 2, ContextLength = 128 });
        var greedy = new GenerationOptions { MaxTokens = 30, Sampling = SamplingOptions.Greedy };
        // After "a" the grammar allows only the end of generation, which the bias forbids: no token can be chosen.
        var bias = new Dictionary<int, float>();
        foreach (int id in model.Vocabulary.EndOfGenerationIds) bias[id] = float.NegativeInfinity;
        var impossible = new GenerationOptions
        {
            MaxTokens = 5, Constraint = ConstraintSpec.Regex("a"), Sampling = SamplingOptions.Greedy with { LogitBias = bias },
        };
        var good = engine.Submit(model.EncodePrompt("Once upon a time"), greedy);
        var bad = engine.Submit(model.EncodePrompt("Once upon a time"), impossible, choices: 2);
        var failure = await Record.ExceptionAsync(() => Drain(bad));
        Assert.NotNull(failure);
        Assert.Equal(30, (await Drain(good))[0].Ids.Count);
        Assert.Equal(30, (await Drain(engine.Submit(model.EncodePrompt("The dog"), greedy)))[0].Ids.Count);
        AssertIdle(engine);
    }

    /// <summary>The engine publishes its block counts after each step, a moment after the last chunk is delivered.</summary>
    internal static void AssertIdle(BatchEngine engine)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (engine.Stats is { ActiveSequences: > 0 } or { KvBlocksInUse: > 0 } && DateTime.UtcNow < deadline) Thread.Sleep(10);
        var stats = engine.Stats;
        Assert.Equal(0, stats.ActiveSequences);
        Assert.Equal(0, stats.QueuedRequests);
        // Only the prefix cache holds blocks once nothing runs, and those are not in use.
        Assert.Equal(0, stats.KvBlocksInUse);
        Assert.Equal(stats.CachedPrefixBlocks, engine.BlockPool.UsedBlocks);
    }
}
