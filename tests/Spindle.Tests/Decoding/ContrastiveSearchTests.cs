using Spindle.Decoding;
using Spindle.Tests.Models;

namespace Spindle.Tests.Decoding;

public sealed class ContrastiveSearchTests
{
    [Theory]
    [MemberData(nameof(DecodingModels.BothWithPrompts), MemberType = typeof(DecodingModels))]
    public void AlphaZeroEqualsGreedy(string file, int promptIndex)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, promptIndex);
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 40 });
        var contrastive = ContrastiveSearch.Run(model, prompt, new ContrastiveSearchOptions { Alpha = 0f, TopK = 4, MaxNewTokens = 40 });
        Assert.Equal(greedy.Tokens, contrastive.Tokens);
        Assert.Equal(greedy.SumLogProb, contrastive.SumLogProb, 1e-3);
    }

    /// <summary>stories260K's greedy continuation loops (the same sentence again and again); contrastive search does not follow it.</summary>
    [Fact]
    public void PenaltyStepsOffAGreedyLoop()
    {
        var entry = ReferenceModels.Find(DecodingModels.Stories);
        using var model = DecodingModels.Load(DecodingModels.Stories);
        const int length = 200;
        var greedy = GreedySearch.Run(model, entry.Prompt, new GreedySearchOptions { MaxNewTokens = length });
        var contrastive = ContrastiveSearch.Run(model, entry.Prompt, new ContrastiveSearchOptions { Alpha = 0.6f, TopK = 4, MaxNewTokens = length });
        int greedyRepeats = SearchAssertions.RepeatedNgrams(greedy.Tokens, 6);
        int contrastiveRepeats = SearchAssertions.RepeatedNgrams(contrastive.Tokens, 6);
        Assert.True(greedyRepeats > 10, $"greedy repeated only {greedyRepeats} 6-grams");
        Assert.NotEqual(greedy.Tokens, contrastive.Tokens);
        Assert.True(contrastiveRepeats < greedyRepeats, $"contrastive {contrastiveRepeats} repeated 6-grams, greedy {greedyRepeats}");
    }

    [Fact]
    public void ReportedProbabilitiesMatchDecodingTheResultAlone()
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int[] prompt = DecodingModels.Prompt(model, 1);
        var result = ContrastiveSearch.Run(model, prompt, new ContrastiveSearchOptions { Alpha = 0.5f, TopK = 5, MaxNewTokens = 30 });
        Assert.Equal(30, result.Tokens.Length);
        // Parting from greedy means some step kept a candidate other than the first, whose cache slot had to move.
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 30 });
        Assert.NotEqual(greedy.Tokens, result.Tokens);
        Assert.Equal(SearchAssertions.TeacherForcedLogProb(model, prompt, result.Tokens), result.SumLogProb, 1e-3);
    }

    [Fact]
    public async Task StreamYieldsWhatRunReturnsAndEndsAtTheStopToken()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var options = new ContrastiveSearchOptions { Alpha = 0.6f, TopK = 4, MaxNewTokens = 25 };
        var run = ContrastiveSearch.Run(model, prompt, options);
        var streamed = new List<ContrastiveToken>();
        await foreach (var t in ContrastiveSearch.StreamAsync(model, prompt, options)) streamed.Add(t);
        Assert.Equal(run.Tokens, streamed.Select(t => t.Token));
        Assert.All(streamed, t => Assert.InRange(t.Probability, 0f, 1f));
        Assert.All(streamed, t => Assert.InRange(t.DegenerationPenalty, -1.0001f, 1.0001f));

        int stop = run.Tokens[8];
        int first = Array.IndexOf(run.Tokens, stop);
        var stopped = new List<ContrastiveToken>();
        await foreach (var t in ContrastiveSearch.StreamAsync(model, prompt, options with { StopTokens = [stop] })) stopped.Add(t);
        Assert.Equal(first + 1, stopped.Count);
        Assert.True(stopped[^1].IsStopToken);
        Assert.Equal(run.Tokens.AsSpan(0, first).ToArray(), stopped.Take(first).Select(t => t.Token));
    }

    [Fact]
    public async Task CancellationStopsTheStreamPromptly()
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        using var cts = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in ContrastiveSearch.StreamAsync(model, prompt,
                new ContrastiveSearchOptions { MaxNewTokens = 1000 }, cts.Token))
            {
                if (++received == 3) cts.Cancel();
            }
        });
        Assert.Equal(3, received);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ContrastiveSearch.Run(model, prompt, new ContrastiveSearchOptions(), new CancellationToken(true)));
    }
}
