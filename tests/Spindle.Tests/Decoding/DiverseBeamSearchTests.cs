using Spindle.Decoding;

namespace Spindle.Tests.Decoding;

public sealed class DiverseBeamSearchTests
{
    [Theory]
    [MemberData(nameof(DecodingModels.BothWithPrompts), MemberType = typeof(DecodingModels))]
    public void GroupsProducePairwiseDistinctSequences(string file, int promptIndex)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, promptIndex);
        var result = BeamSearch.Run(model, prompt,
            new DiverseBeamSearchOptions { BeamWidth = 6, Groups = 3, DiversityPenalty = 1.0f, MaxNewTokens = 12 });
        Assert.Equal(3, result.Groups.Count);
        var bests = result.Groups.Select(g => g[0].Tokens).ToArray();
        for (int i = 0; i < bests.Length; i++)
            for (int j = 0; j < i; j++)
                Assert.NotEqual(bests[i], bests[j]);
        Assert.All(result.Groups.SelectMany(g => g), h => Assert.True(h.Score <= h.SumLogProb / h.GeneratedLength + 1e-9));
        Assert.Equal(6, result.Hypotheses.Count);
    }

    /// <summary>
    /// With λ = 0 the groups do not interact, and a group of one beam is greedy decoding: every group must return
    /// exactly the greedy sequence (so diversity comes only from λ).
    /// </summary>
    [Theory]
    [MemberData(nameof(DecodingModels.Both), MemberType = typeof(DecodingModels))]
    public void WithoutPenaltySingleBeamGroupsAllEqualGreedy(string file)
    {
        using var model = DecodingModels.Load(file);
        int[] prompt = DecodingModels.Prompt(model, 1);
        var greedy = GreedySearch.Run(model, prompt, new GreedySearchOptions { MaxNewTokens = 15 });
        var result = BeamSearch.Run(model, prompt,
            new DiverseBeamSearchOptions { BeamWidth = 3, Groups = 3, DiversityPenalty = 0f, MaxNewTokens = 15 });
        Assert.All(result.Groups, g => Assert.Equal(greedy.Tokens, Assert.Single(g).Tokens));
    }

    /// <summary>With λ = 0 and groups of width w, each group is plain beam search of width w.</summary>
    [Fact]
    public void WithoutPenaltyEachGroupIsPlainBeamSearch()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        int[] prompt = DecodingModels.Prompt(model, 2);
        var plain = BeamSearch.Run(model, prompt, new BeamSearchOptions { BeamWidth = 2, MaxNewTokens = 10 });
        var diverse = BeamSearch.Run(model, prompt,
            new DiverseBeamSearchOptions { BeamWidth = 4, Groups = 2, DiversityPenalty = 0f, MaxNewTokens = 10 });
        foreach (var group in diverse.Groups)
        {
            Assert.Equal(plain.Hypotheses.Select(h => h.Tokens), group.Select(h => h.Tokens));
            for (int i = 0; i < group.Count; i++) Assert.Equal(plain.Hypotheses[i].Score, group[i].Score, 1e-4);
        }
    }

    [Fact]
    public void ThePenaltyOnlyLowersLaterGroupsScores()
    {
        using var model = DecodingModels.Load(DecodingModels.TinyStories);
        int[] prompt = DecodingModels.Prompt(model, 0);
        var result = BeamSearch.Run(model, prompt,
            new DiverseBeamSearchOptions { BeamWidth = 4, Groups = 2, DiversityPenalty = 2f, MaxNewTokens = 10, LengthPenalty = 0f });
        // The first group sees no penalty: its scores are its log-probabilities.
        Assert.All(result.Groups[0], h => Assert.Equal(h.SumLogProb, h.Score, 1e-9));
        Assert.All(result.Groups[1], h => Assert.True(h.Score <= h.SumLogProb + 1e-9));
    }

    [Fact]
    public void RejectsGroupsThatDoNotDivideTheWidth()
    {
        using var model = DecodingModels.Load(DecodingModels.Stories);
        Assert.Throws<ArgumentException>(() => BeamSearch.Run(model, [1, 403],
            new DiverseBeamSearchOptions { BeamWidth = 5, Groups = 2 }));
    }
}
