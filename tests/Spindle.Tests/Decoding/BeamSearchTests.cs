using Spindle.Caching;
using Spindle.Decoding;
using Spindle.Models;

namespace Spindle.Tests.Decoding;

public sealed class BeamSearchTests
{
    [Theory]
    [MemberData(nameof(DecodingModels.BothWithPrompts), MemberType = typeof(DecodingModels))]
    public void WidthOneEqualsGreedy(string file, int promptIndex)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, promptIndex);
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 20 });
        var beam = BeamSearch.Run(model, prompt, new BeamSearchOptions { BeamWidth = 1, MaxNewTokens = 20 });
        var only = Assert.Single(beam.Hypotheses);
        Assert.Equal(greedy.Tokens, only.Tokens);
        Assert.Equal(greedy.SumLogProb, only.SumLogProb, 1e-3);
    }

    [Theory]
    [MemberData(nameof(DecodingModels.BothWithPrompts), MemberType = typeof(DecodingModels))]
    public void BestBeamIsAtLeastAsLikelyAsGreedy(string file, int promptIndex)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, promptIndex);
        const int length = 16;
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = length });
        var beam = BeamSearch.Run(model, prompt, new BeamSearchOptions { BeamWidth = 4, MaxNewTokens = length, LengthPenalty = 0f });
        Assert.Equal(4, beam.Hypotheses.Count);
        Assert.All(beam.Hypotheses, h => Assert.Equal(length, h.Tokens.Length));
        Assert.True(beam.Best.SumLogProb >= greedy.SumLogProb - 1e-4,
            $"beam {beam.Best.SumLogProb} < greedy {greedy.SumLogProb}");
    }

    /// <summary>
    /// Every returned hypothesis's log-probability, accumulated from batched steps over reordered caches, equals what
    /// decoding it alone gives: a beam that continued from the wrong cache would not.
    /// </summary>
    [Theory]
    [MemberData(nameof(DecodingModels.Both), MemberType = typeof(DecodingModels))]
    public void ReportedLogProbsMatchDecodingEachHypothesisAlone(string file)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, 1);
        var beam = BeamSearch.Run(model, prompt, new BeamSearchOptions { BeamWidth = 5, MaxNewTokens = 14, LengthPenalty = 0f });
        Assert.True(beam.CopiedCacheSlots > 0);
        foreach (var h in beam.Hypotheses)
            Assert.Equal(SearchAssertions.TeacherForcedLogProb(model, prompt, h.Tokens, h.StopToken), h.SumLogProb, 1e-3);
    }

    [Fact]
    public void HypothesesAreDistinctSortedAndScoredWithTheLengthPenalty()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 12 });
        // A token greedy produces early becomes a stop token, so some hypotheses finish before the limit.
        int stop = greedy.Tokens[3];
        var options = new BeamSearchOptions { BeamWidth = 4, MaxNewTokens = 12, LengthPenalty = 1.5f, StopTokens = [stop] };
        var result = BeamSearch.Run(model, prompt, options);
        Assert.Equal(4, result.Hypotheses.Count);
        for (int i = 0; i < result.Hypotheses.Count; i++)
        {
            var h = result.Hypotheses[i];
            Assert.True(h.StopToken == stop || h.Tokens.Length == 12);
            Assert.DoesNotContain(stop, h.Tokens);
            Assert.Equal(h.SumLogProb / Math.Pow(h.GeneratedLength, 1.5), h.Score, 1e-9);
            if (i > 0) Assert.True(result.Hypotheses[i - 1].Score >= h.Score);
            for (int j = 0; j < i; j++) Assert.NotEqual(result.Hypotheses[j].Tokens, h.Tokens);
        }
        Assert.Contains(result.Hypotheses, h => h.StopToken == stop);
    }

    [Theory]
    [InlineData(BeamEarlyStopping.Heuristic)]
    [InlineData(BeamEarlyStopping.Eager)]
    [InlineData(BeamEarlyStopping.Never)]
    public void WidthOneStopsWhereGreedyStops(BeamEarlyStopping earlyStopping)
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int[] prompt = DecodingModels.Prompt(model, 2);
        var full = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 16 });
        int stop = full.Tokens[6];
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 16, StopTokens = [stop] });
        var beam = BeamSearch.Run(model, prompt,
            new BeamSearchOptions { BeamWidth = 1, MaxNewTokens = 16, StopTokens = [stop], EarlyStopping = earlyStopping, LengthPenalty = 0f });
        // With α = 0 no longer hypothesis can beat the finished one, so even "never" stops there.
        Assert.Equal(greedy.Tokens, beam.Best.Tokens);
        Assert.Equal(stop, beam.Best.StopToken);
        Assert.Equal(greedy.Tokens.Length + 1, beam.Steps);
    }

    [Fact]
    public void EagerStoppingEndsNoLaterThanTheHeuristic()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 30 });
        int[] stops = [greedy.Tokens[2], greedy.Tokens[4]];
        BeamSearchResult Run(BeamEarlyStopping e) => BeamSearch.Run(model, prompt,
            new BeamSearchOptions { BeamWidth = 2, MaxNewTokens = 30, StopTokens = stops, EarlyStopping = e });
        var eager = Run(BeamEarlyStopping.Eager);
        var heuristic = Run(BeamEarlyStopping.Heuristic);
        var never = Run(BeamEarlyStopping.Never);
        Assert.True(eager.Steps <= heuristic.Steps && heuristic.Steps <= never.Steps, $"{eager.Steps} {heuristic.Steps} {never.Steps}");
        Assert.True(eager.Steps < 30);
        Assert.All(eager.Hypotheses, h => Assert.NotNull(h.StopToken));
    }

    /// <summary>One batched step over forked caches gives each beam the logits it gets decoded alone.</summary>
    [Theory]
    [MemberData(nameof(DecodingModels.Both), MemberType = typeof(DecodingModels))]
    public void BatchedBeamStepMatchesPerBeamDecoding(string file)
    {
        using var model = DecodingModels.Load(file);
        int v = model.Config.VocabSize;
        int[] prompt = DecodingModels.Prompt(model, 0);
        var positions = Enumerable.Range(0, prompt.Length).ToArray();
        var root = model.CreateCache(KvCacheType.F16, 64);
        var scratch = new float[v];
        model.Forward(prompt, positions, root, scratch);

        int[][] continuations = [[10, 20, 30], [10, 21, 31], [44, 45, 46]];
        var caches = continuations.Select(_ => root.Fork()).ToArray();
        var batched = new float[3 * v];
        for (int step = 0; step < 3; step++)
        {
            int[] tokens = continuations.Select(c => c[step]).ToArray();
            int[] pos = [prompt.Length + step, prompt.Length + step, prompt.Length + step];
            model.Forward(tokens, pos, [0, 1, 2], caches, [true, true, true], batched);
        }
        for (int b = 0; b < 3; b++)
        {
            var alone = root.Fork();
            for (int step = 0; step < 3; step++) model.Forward([continuations[b][step]], [alone.Count], alone, scratch);
            float maxDelta = 0;
            for (int i = 0; i < v; i++) maxDelta = Math.Max(maxDelta, Math.Abs(batched[b * v + i] - scratch[i]));
            Assert.True(maxDelta <= 1e-4, $"beam {b}: max |Δ| {maxDelta}");
        }
    }

    [Fact]
    public void CopyToFromASharedPrefixReproducesTheSource()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int v = model.Config.VocabSize;
        var logits = new float[v];
        var a = model.CreateCache(KvCacheType.F32, 32);
        var b = model.CreateCache(KvCacheType.F32, 32);
        model.Forward([1, 403, 407], [0, 1, 2], a, logits);
        a.CopyTo(b);
        model.Forward([261, 378], [3, 4], a, logits);
        model.Forward([300], [3], b, logits);
        a.CopyTo(b, fromSlot: 3);
        Assert.Equal(5, b.Count);
        var fromA = new float[v];
        var fromB = new float[v];
        model.Forward([432], [5], a, fromA);
        model.Forward([432], [5], b, fromB);
        Assert.Equal(fromA, fromB);
    }

    [Fact]
    public void CancellationStopsPromptly()
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var options = new BeamSearchOptions { BeamWidth = 8, MaxNewTokens = 4000 };
        Assert.ThrowsAny<OperationCanceledException>(() => BeamSearch.Run(model, prompt, options, new CancellationToken(true)));

        // A 4,000-token width-8 search takes minutes, so a token cancelled after 200 ms must end it midway with the
        // exception, not with a result. (No wall-clock bound: timing assertions fail on a loaded machine.)
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => BeamSearch.Run(model, prompt, options, cts.Token));
    }

    [Fact]
    public async Task RunAsyncGivesTheSameResult()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 2);
        var options = new BeamSearchOptions { BeamWidth = 3, MaxNewTokens = 10 };
        var sync = BeamSearch.Run(model, prompt, options);
        var async = await BeamSearch.RunAsync(model, prompt, options);
        Assert.Equal(sync.Hypotheses.Select(h => h.Tokens), async.Hypotheses.Select(h => h.Tokens));
    }
}
