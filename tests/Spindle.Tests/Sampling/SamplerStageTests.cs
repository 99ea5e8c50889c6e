using Spindle.Sampling;

namespace Spindle.Tests.Sampling;

/// <summary>Each stage on hand-made distributions: exactly the tokens it should keep survive.</summary>
public class SamplerStageTests
{
    // Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 as logits (natural log).
    private static readonly float[] Halving = [MathF.Log(0.5f), MathF.Log(0.25f), MathF.Log(0.125f), MathF.Log(0.0625f), MathF.Log(0.0625f)];

    private static int[] Survivors(ILogitsStage stage, float[] logits)
    {
        var set = new CandidateSet(logits.Length);
        set.Load(logits);
        stage.Apply(set);
        var ids = new int[set.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = set[i].Id;
        Array.Sort(ids);
        return ids;
    }

    [Theory]
    [InlineData(1, new[] { 0 })]
    [InlineData(3, new[] { 0, 1, 2 })]
    [InlineData(0, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(10, new[] { 0, 1, 2, 3, 4 })]
    public void TopK_keeps_the_k_most_likely(int k, int[] expected) =>
        Assert.Equal(expected, Survivors(new TopKStage(k), Halving));

    [Theory]
    [InlineData(0.5f, new[] { 0 })]
    [InlineData(0.6f, new[] { 0, 1 })]
    [InlineData(0.75f, new[] { 0, 1 })]
    [InlineData(0.8f, new[] { 0, 1, 2 })]
    [InlineData(0.99f, new[] { 0, 1, 2, 3, 4 })]
    public void TopP_keeps_the_smallest_nucleus(float p, int[] expected) =>
        Assert.Equal(expected, Survivors(new TopPStage(p), Halving));

    [Theory]
    [InlineData(0.5f, new[] { 0, 1 })]       // p ≥ 0.25
    [InlineData(0.2f, new[] { 0, 1, 2 })]    // p ≥ 0.1
    [InlineData(0.1f, new[] { 0, 1, 2, 3, 4 })] // p ≥ 0.05
    [InlineData(0.9f, new[] { 0 })]
    public void MinP_keeps_tokens_near_the_top(float p, int[] expected) =>
        Assert.Equal(expected, Survivors(new MinPStage(p), Halving));

    [Fact]
    public void Typical_keeps_tokens_closest_to_the_entropy()
    {
        // Entropy of Halving in nats is 1.2130; surprises: 0.693, 1.386, 2.079, 2.773, 2.773.
        // Distances: 0.520, 0.173, 0.866, 1.560, 1.560 → order 1, 0, 2, 3, 4; cumulative 0.25, 0.75, 0.875, ...
        Assert.Equal(new[] { 1 }, Survivors(new TypicalStage(0.2f), Halving));
        Assert.Equal(new[] { 0, 1 }, Survivors(new TypicalStage(0.7f), Halving));
        Assert.Equal(new[] { 0, 1, 2 }, Survivors(new TypicalStage(0.8f), Halving));
    }

    [Fact]
    public void TopNSigma_keeps_logits_within_n_deviations_of_the_max()
    {
        float[] logits = [10f, 9f, 0f, 0f, 0f, 0f];
        // mean 19/6 = 3.1667, std = sqrt(mean of squares − mean²) = sqrt(30.1667 − 10.0278) = 4.4877
        Assert.Equal(new[] { 0, 1 }, Survivors(new TopNSigmaStage(1f), logits)); // threshold 5.51
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, Survivors(new TopNSigmaStage(3f), logits)); // threshold −3.46
    }

    [Fact]
    public void Temperature_zero_is_greedy_and_scaling_divides_logits()
    {
        Assert.Equal(new[] { 0 }, Survivors(new TemperatureStage(0f), Halving));
        var set = new CandidateSet(3);
        set.Load([2f, 1f, -4f]);
        new TemperatureStage(0.5f).Apply(set);
        Assert.Equal([4f, 2f, -8f], set.Items.ToArray().Select(c => c.Logit));
    }

    [Fact]
    public void Dynamic_temperature_uses_entropy()
    {
        // A uniform distribution has normalized entropy 1, so T = T + Δ.
        var set = new CandidateSet(4);
        set.Load([1f, 1f, 1f, 1f]);
        new TemperatureStage(1f, dynamicRange: 0.5f).Apply(set);
        Assert.All(set.Items.ToArray(), c => Assert.Equal(1f / 1.5f, c.Logit, 5));
    }

    [Fact]
    public void Xtc_removes_all_top_choices_but_the_least_likely_above_threshold()
    {
        var stage = new XtcStage(probability: 1f, threshold: 0.1f, new SamplerRng(1));
        // Above 0.1: tokens 0 (0.5), 1 (0.25), 2 (0.125); the least likely of those (2) survives.
        Assert.Equal(new[] { 2, 3, 4 }, Survivors(stage, Halving));
        // Only one token above 0.3: nothing happens.
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, Survivors(new XtcStage(1f, 0.3f, new SamplerRng(1)), Halving));
    }

    [Fact]
    public void Penalties_follow_llama_cpp()
    {
        var stage = new PenaltiesStage(window: 3, repetition: 2f, frequency: 0.5f, presence: 0.25f);
        foreach (int t in new[] { 9, 0, 1, 1 }) stage.Accept(t); // window keeps 0, 1, 1
        var set = new CandidateSet(3);
        set.Load([4f, -4f, 1f]);
        stage.Apply(set);
        var byId = set.Items.ToArray().ToDictionary(c => c.Id, c => c.Logit);
        Assert.Equal(4f / 2f - 0.5f - 0.25f, byId[0], 5);
        Assert.Equal(-4f * 2f - 2 * 0.5f - 0.25f, byId[1], 5);
        Assert.Equal(1f, byId[2]);
    }

    [Fact]
    public void Logit_bias_bans_and_boosts()
    {
        var stage = new LogitBiasStage(new Dictionary<int, float> { [0] = float.NegativeInfinity, [4] = 10f });
        var chain = new SamplerChain([stage, GreedyPicker.Instance], 5);
        Assert.Equal(4, chain.Sample(Halving));
    }

    [Fact]
    public void Dry_penalizes_the_token_that_would_extend_a_repeat()
    {
        var breakers = new bool[10];
        breakers[9] = true;
        var stage = new DryStage(multiplier: 1f, @base: 2f, allowedLength: 2, window: 100, breakers);
        // 1 2 3 4 ... 1 2 3 : choosing 4 repeats "1 2 3 4" (match length 3) → penalty 1 × 2^(3−2) = 2.
        foreach (int t in new[] { 1, 2, 3, 4, 5, 1, 2, 3 }) stage.Accept(t);
        var set = new CandidateSet(10);
        set.Load(new float[10]);
        stage.Apply(set);
        Assert.Equal(-2f, set.Items.ToArray().Single(c => c.Id == 4).Logit, 5);
        Assert.All(set.Items.ToArray().Where(c => c.Id != 4), c => Assert.Equal(0f, c.Logit));

        // A breaker inside the repeat shortens the match below the allowed length.
        var broken = new DryStage(1f, 2f, 2, 100, breakers);
        foreach (int t in new[] { 1, 9, 3, 4, 5, 1, 9, 3 }) broken.Accept(t);
        set.Load(new float[10]);
        broken.Apply(set);
        Assert.All(set.Items.ToArray(), c => Assert.Equal(0f, c.Logit));
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_follows_the_distribution()
    {
        var options = new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f, Seed = 42 };
        var a = SamplerChainBuilder.Build(options, 5, 512);
        var b = SamplerChainBuilder.Build(options, 5, 512);
        var counts = new int[5];
        for (int i = 0; i < 20000; i++)
        {
            int ta = a.Sample(Halving);
            Assert.Equal(ta, b.Sample(Halving));
            counts[ta]++;
        }
        float[] expected = [0.5f, 0.25f, 0.125f, 0.0625f, 0.0625f];
        for (int i = 0; i < 5; i++) Assert.InRange(counts[i] / 20000.0, expected[i] - 0.015, expected[i] + 0.015);
    }

    [Fact]
    public void Mirostat_v2_truncates_by_surprise()
    {
        // μ starts at 2τ = 2 bits: keeps tokens with −log2 p ≤ 2, i.e. tokens 0 and 1.
        var picker = new MirostatV2Picker(tau: 1f, eta: 0.1f, new SamplerRng(3));
        var set = new CandidateSet(5);
        set.Load(Halving);
        picker.Apply(set);
        Assert.Equal(2, set.Count);
        Assert.Contains(set.Selected, new[] { 0, 1 });
    }

    [Fact]
    public void Greedy_options_pick_the_argmax()
    {
        var chain = SamplerChainBuilder.Build(SamplingOptions.Greedy, 5, 512);
        Assert.Equal(0, chain.Sample(Halving));
        Assert.Equal(3, chain.Sample([0f, 1f, 2f, 5f, 5f])); // lowest id on ties
    }
}
