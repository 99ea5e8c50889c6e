using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;
using Spindle.Sampling.Aligned;
using Xunit;

namespace Spindle.Tests.Sampling.Aligned;

public class AsapSamplerTests
{
    private static readonly CompiledGrammar Grammar = new(RegexGrammar.Parse("ac|b[abc]"));

    private static ExactGrammarDistribution Exact(BiasedPrefixModel model) =>
        ExactGrammarDistribution.Enumerate(model, Grammar, LetterVocabulary.Trie);

    /// <summary>KL(exact ‖ empirical) after each checkpoint of <paramref name="checkpoints"/> samples.</summary>
    private static double[] KlCurve(ExactGrammarDistribution exact, AsapSampler sampler, int[] checkpoints)
    {
        var index = new Dictionary<string, int>();
        var probabilities = new double[exact.Sequences.Count];
        for (int i = 0; i < probabilities.Length; i++)
        {
            index[LetterVocabulary.Spell(exact.Sequences[i].Tokens)] = i;
            probabilities[i] = exact.ConditionalProbability(i);
        }
        var counts = new int[probabilities.Length];
        var curve = new double[checkpoints.Length];
        int drawn = 0;
        for (int k = 0; k < checkpoints.Length; k++)
        {
            for (; drawn < checkpoints[k]; drawn++)
            {
                string sample = LetterVocabulary.Spell(sampler.Sample());
                Assert.True(index.TryGetValue(sample, out int at), $"sample '{sample}' is not in the grammar");
                counts[at]++;
            }
            curve[k] = EmpiricalDivergence.KlFromCounts(probabilities, counts);
        }
        return curve;
    }

    [Fact]
    public void Enumeration_gives_the_exact_conditional_distribution()
    {
        var exact = Exact(new BiasedPrefixModel());
        Assert.Equal(4, exact.Sequences.Count);
        Assert.Equal(0.7 * 0.05 * 0.9 + 3 * (0.2 * 0.3 * 0.9), exact.GrammarProbability, 6); // the model hands out float logits, so 6 places
        Assert.Equal(0.05 * 0.9, exact.ExpectedFuture([0]), 6); // after "a" only "c$" is grammatical
        Assert.Equal(0.9, exact.ExpectedFuture([1, 2]), 6);
        Assert.Equal(0.0, exact.ExpectedFuture([3]));
    }

    [Fact]
    public void Asap_KL_to_the_exact_conditional_falls_while_plain_masking_stays_biased()
    {
        var model = new BiasedPrefixModel();
        var exact = Exact(model);
        int[] checkpoints = [100, 2000];
        var asap = KlCurve(exact, new AsapSampler(model, Grammar, LetterVocabulary.Trie,
            new AsapSamplerOptions { Seed = 7, Alignment = new AsapState() }), checkpoints);
        var gcd = KlCurve(exact, new AsapSampler(model, Grammar, LetterVocabulary.Trie,
            new AsapSamplerOptions { Seed = 7 }), checkpoints);

        // Plain masking samples "ac" with 0.7/0.9 ≈ 0.78 instead of 0.16: KL(exact ‖ GCD) ≈ 0.86 nats whatever the count.
        Assert.All(gcd, kl => Assert.True(kl > 0.5, $"GCD KL {kl}"));
        Assert.True(asap[1] < asap[0], $"ASAp KL after 2000 samples {asap[1]} vs after 100 {asap[0]}");
        Assert.True(asap[1] < 0.01, $"ASAp KL after 2000 samples {asap[1]}");
        Assert.True(asap[0] < gcd[0], $"ASAp {asap[0]} vs GCD {gcd[0]} after 100 samples");
    }

    [Fact]
    public void Estimates_stay_upper_bounds_and_converge_to_the_exact_expected_futures()
    {
        var model = new BiasedPrefixModel();
        var exact = Exact(model);
        var state = new AsapState();
        var sampler = new AsapSampler(model, Grammar, LetterVocabulary.Trie, new AsapSamplerOptions { Seed = 3, Alignment = state });
        Assert.Equal(1.0, state.GrammarProbabilityBound);
        for (int n = 0; n < 300; n++)
        {
            int[] sample = sampler.Sample();
            for (int length = 0; length < sample.Length; length++)
            {
                double? estimate = state.EstimateOf(sample.AsSpan(0, length));
                Assert.NotNull(estimate);
                Assert.True(estimate >= exact.ExpectedFuture(sample.AsSpan(0, length)) - 1e-12, "an estimate fell below the exact value");
            }
        }
        Assert.Equal(exact.GrammarProbability, state.GrammarProbabilityBound, 12);
        foreach (var s in exact.Sequences)
            for (int length = 0; length < s.Tokens.Length; length++)
                Assert.Equal(exact.ExpectedFuture(s.Tokens.AsSpan(0, length)), state.EstimateOf(s.Tokens.AsSpan(0, length))!.Value, 12);
        Assert.Null(state.EstimateOf([3])); // "d" is never allowed, so never visited
    }

    [Fact]
    public void A_full_trie_keeps_sampling_grammatically_and_clear_starts_over()
    {
        var model = new BiasedPrefixModel();
        var state = new AsapState(new AsapOptions { MaxNodes = 2 });
        var sampler = new AsapSampler(model, Grammar, LetterVocabulary.Trie, new AsapSamplerOptions { Seed = 5, Alignment = state });
        var allowed = new HashSet<string> { "ac$", "ba$", "bb$", "bc$" };
        for (int n = 0; n < 200; n++)
        {
            Assert.Contains(LetterVocabulary.Spell(sampler.Sample()), allowed);
            Assert.True(state.NodeCount <= 2);
        }
        Assert.True(state.IsFull);
        // Only one first-token branch is learned; the root's bound is still a bound.
        Assert.True(state.GrammarProbabilityBound >= Exact(model).GrammarProbability - 1e-12);
        state.Clear();
        Assert.Equal(1, state.NodeCount);
        Assert.Equal(1.0, state.GrammarProbabilityBound);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AsapState(new AsapOptions { MaxNodes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AsapSampler(new BiasedPrefixModel(), Grammar, LetterVocabulary.Trie, new AsapSamplerOptions { MaxTokens = 0 }));
        Assert.Throws<ArgumentException>(() => EmpiricalDivergence.KlFromCounts([0.5, 0.5], [1]));
    }

    [Fact]
    public void A_state_refuses_another_grammar()
    {
        var model = new BiasedPrefixModel();
        var state = new AsapState();
        new AsapSampler(model, Grammar, LetterVocabulary.Trie, new AsapSamplerOptions { Alignment = state }).Sample();
        var other = new CompiledGrammar(RegexGrammar.Parse("a[bc]"));
        var sampler = new AsapSampler(model, other, LetterVocabulary.Trie, new AsapSamplerOptions { Alignment = state });
        Assert.Throws<InvalidOperationException>(() => sampler.Sample());
    }

    [Fact]
    public void Enumeration_of_an_unbounded_grammar_fails_clearly()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            ExactGrammarDistribution.Enumerate(new BiasedPrefixModel(), new CompiledGrammar(RegexGrammar.Parse("a+")), LetterVocabulary.Trie, maxTokens: 8));
        Assert.Contains("too large", ex.Message);
    }
}
