using Spindle.Decoding.Speculative;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tests.Generation;

namespace Spindle.Tests.Decoding.Speculative;

/// <summary>
/// Sampling is lossless: the first two tokens of many seeded speculative generations follow the target's exact
/// distribution P(t1)·P(t2 | t1) (the second one always goes through the rejection rule), by Pearson's χ² test; and a
/// deliberately wrong rule (resampling from the target instead of the residual) fails the same test.
/// </summary>
public sealed class SpeculativeSamplingTests(ITestOutputHelper output)
{
    private const int Draws = 20_000;
    private const string Prompt = "Once upon a time, there was a";
    private static string Stories281K => SharedData.PathOf("models", "stories281K", "stories281K.f32.gguf");

    // Temperature 1 with a top-k keeps the support small enough for every pair to be a bin of its own or the pool.
    private static readonly SamplingOptions Sampling = new() { Temperature = 1f, TopK = 12, TopP = 1f, MinP = 0f };

    [Fact]
    public void DraftModelSamplesFollowTheTargetDistribution()
    {
        using var draft = Model.Load(Stories281K, new ModelOptions { ThreadCount = 1 });
        var (_, _, p) = Run(new SpeculationOptions { DraftModel = draft, DraftMax = 3 });
        Assert.True(p > 0.01, $"χ² p = {p}");
    }

    [Fact]
    public void TokenRecyclingTreeSamplesFollowTheTargetDistribution()
    {
        var (_, _, p) = Run(new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 10, RecycleCandidates = 4, RecycleDepth = 3 });
        Assert.True(p > 0.01, $"χ² p = {p}");
    }

    [Fact]
    public void ABrokenAcceptanceRuleFailsTheSameTest()
    {
        using var draft = Model.Load(Stories281K, new ModelOptions { ThreadCount = 1 });
        var (_, _, p) = Run(new SpeculationOptions { DraftModel = draft, DraftMax = 3, BrokenResidualForTests = true });
        Assert.True(p < 0.01, $"χ² p = {p}: the broken rule went unnoticed");
    }

    private (double Statistic, int DegreesOfFreedom, double P) Run(SpeculationOptions speculation)
    {
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        // A third token leaves room for a draft after the first (drafts never run past the tokens still wanted).
        var options = new GenerationOptions { MaxTokens = 3, Sampling = Sampling, Speculation = speculation };
        var expected = PairDistribution(target, options);

        var counts = new Dictionary<(int, int), int>();
        long accepted = 0, drafted = 0;
        for (int seed = 1; seed <= Draws; seed++)
        {
            var chunks = GenerationTestModels.Collect(target.GenerateAsync(Prompt, options with { Seed = (ulong)seed }));
            int[] ids = GenerationTestModels.IdsOf(chunks);
            Assert.True(ids.Length >= 2);
            counts[(ids[0], ids[1])] = counts.GetValueOrDefault((ids[0], ids[1])) + 1;
            accepted += chunks[^1].Usage!.Speculation!.Accepted;
            drafted += chunks[^1].Usage!.Speculation!.Drafted;
        }
        // Pairs expected at least 5 times are bins of their own; the rest share one.
        var observed = new List<double>();
        var wanted = new List<double>();
        double pooledExpected = Draws, pooledObserved = Draws;
        foreach (var (pair, probability) in expected)
        {
            double e = probability * Draws;
            if (e < 5) continue;
            observed.Add(counts.GetValueOrDefault(pair));
            wanted.Add(e);
            pooledExpected -= e;
            pooledObserved -= counts.GetValueOrDefault(pair);
        }
        observed.Add(pooledObserved);
        wanted.Add(Math.Max(pooledExpected, 1e-9));
        var result = ChiSquare.Test(observed, wanted);
        output.WriteLine($"{speculation.Method}: {accepted} of {drafted} drafts accepted; χ² = {result.Statistic:F1}, df = {result.DegreesOfFreedom}, p = {result.P:G4}");
        return result;
    }

    /// <summary>P(t1, t2) from the target's own chain: the prompt's distribution, then each t1's.</summary>
    private static Dictionary<(int, int), double> PairDistribution(SpindleModel target, GenerationOptions options)
    {
        int[] prompt = target.EncodePrompt(Prompt, options);
        var session = new InferenceSession(target.Model);
        var chain = target.CreateSamplerChain(options);
        session.Prefill(prompt);
        var first = new List<(int Id, double P)>();
        foreach (var c in chain.Shape(session.Logits).Items) first.Add((c.Id, c.Probability));
        var pairs = new Dictionary<(int, int), double>();
        foreach (var (t1, p1) in first)
        {
            session.Decode(t1);
            foreach (var c in chain.Shape(session.Logits).Items) pairs[(t1, c.Id)] = p1 * c.Probability;
            session.Rollback(prompt.Length);
        }
        return pairs;
    }
}
