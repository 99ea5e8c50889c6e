using System.Text.RegularExpressions;
using Spindle.Decoding;
using Spindle.Decoding.Speculative;
using Spindle.Generation;
using Spindle.Models;
using Spindle.Sampling;
using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Codable;
using Spindle.Watermarking.Kgw;
using Spindle.Watermarking.Tournament;

namespace Spindle.Tests.Watermarking;

/// <summary>
/// Watermarks inside the rest of generation: with a constraint, with speculative decoding (greedy token for token,
/// sampling detected), with raw logprobs, and the option checks.
/// </summary>
public sealed class WatermarkCompositionTests(ITestOutputHelper output)
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("composition");

    public static TheoryData<string> Schemes() => ["kgw", "kgw-selfhash", "tournament", "balance", "vanilla"];

    private static WatermarkOptions Scheme(string name) => name switch
    {
        "kgw" => new KgwOptions { Key = Key },
        "kgw-selfhash" => new KgwOptions { Key = Key, Seeding = KgwSeeding.SelfHash, ContextWidth = 3 },
        "tournament" => new TournamentOptions { Key = Key },
        "balance" => new CodableOptions { Key = Key, MessageBits = 8, Message = 0x5C },
        _ => new CodableOptions { Key = Key, Scheme = CodableScheme.Vanilla, MessageBits = 8, Message = 0x5C },
    };

    /// <summary>
    /// The scheme's detector for <paramref name="model"/>: true when it calls <paramref name="tokens"/> watermarked, or
    /// for a message, when it reads the message sent with p &lt; 10⁻³ (stories260K's short texts often carry the right
    /// message before the corrected p-value reaches the default verdict threshold of 3.2 × 10⁻⁵).
    /// </summary>
    private static (bool Detected, string Statistic) Detect(string name, SpindleModel model, int[] tokens) => Scheme(name) switch
    {
        KgwOptions k => new KgwDetector(k).Detect(tokens) is var d ? (d.Verdict == WatermarkVerdict.Watermarked, $"z {d.ZScore:F2}") : default,
        TournamentOptions t => new TournamentDetector(t).Detect(tokens) is var d ? (d.Verdict == WatermarkVerdict.Watermarked, $"p {d.PValue:G3}") : default,
        CodableOptions c => new CodableDecoder(c, new ModelProxyDistribution(model.Model, model.Vocabulary.BosId)).Decode(tokens) is var d
            ? (d.PValue < 1e-3 && d.Message == c.Message, $"message {d.Message:X2}, p {d.PValue:G3}") : default,
        _ => default,
    };

    [Theory]
    [MemberData(nameof(Schemes))]
    public void WatermarksComposeWithARegexConstraint(string scheme)
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var watermark = Scheme(scheme);
        // A short sentence the grammar must finish within the budget, for several seeds.
        for (ulong seed = 1; seed <= 4; seed++)
        {
            var options = WatermarkTestGeneration.Options(seed, 48, watermark) with { Constraint = ConstraintSpec.Regex("[a-z ]{1,40}\\.") };
            var chunks = GenerationTestModels.Collect(model.GenerateAsync("Once upon a time", options));
            Assert.Equal(FinishReason.EndOfGeneration, chunks[^1].FinishReason);
            Assert.Matches(@"\A[a-z ]{1,40}\.\z", GenerationTestModels.TextOf(chunks));
        }
        // A permissive constraint over a long text: the watermark is still there.
        var longer = WatermarkTestGeneration.Options(9, 200, watermark) with { Constraint = ConstraintSpec.Regex("[A-Za-z ,.!'\"\n]*") };
        var text = GenerationTestModels.Collect(model.GenerateAsync("Once upon a time", longer));
        int[] tokens = GenerationTestModels.IdsOf(text);
        Assert.Matches("\\A[A-Za-z ,.!'\"\n]*\\z", GenerationTestModels.TextOf(text));
        var (detected, statistic) = Detect(scheme, model, tokens);
        output.WriteLine($"{scheme}: {tokens.Length} constrained tokens, {statistic}");
        Assert.True(detected, statistic);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void SpeculativeGreedyDecodingGivesTheWatermarkedTokens(string scheme)
    {
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var draft = Model.Load(WatermarkTestGeneration.Stories281K, new ModelOptions { ThreadCount = 1 });
        var watermark = Scheme(scheme);
        long accepted = 0;
        foreach (var speculation in new[]
        {
            new SpeculationOptions { DraftModel = draft, DraftMax = 5 },
            new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 12, RecycleDepth = 4 },
        })
        {
            foreach (string prompt in WatermarkTestGeneration.Prompts[..3])
            {
                var greedy = WatermarkTestGeneration.Options(1, 60, watermark, SamplingOptions.Greedy);
                target.ResetCache();
                int[] expected = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync(prompt, greedy)));
                target.ResetCache();
                var chunks = GenerationTestModels.Collect(target.GenerateAsync(prompt, greedy with { Speculation = speculation }));
                Assert.Equal(expected, GenerationTestModels.IdsOf(chunks));
                accepted += chunks[^1].Usage!.Speculation!.Accepted;
            }
        }
        Assert.True(accepted > 10, $"only {accepted} drafts accepted");
        if (scheme == "tournament") return; // greedy decoding is not watermarked by the tournament
        // …and the watermark changed them (so the comparison above is not the unwatermarked path twice).
        int[] plain = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync("The little dog",
            WatermarkTestGeneration.Options(1, 60, null, SamplingOptions.Greedy))));
        int[] marked = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync("The little dog",
            WatermarkTestGeneration.Options(1, 60, watermark, SamplingOptions.Greedy))));
        Assert.NotEqual(plain, marked);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void SpeculativeSamplingKeepsTheWatermark(string scheme)
    {
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var draft = Model.Load(WatermarkTestGeneration.Stories281K, new ModelOptions { ThreadCount = 1 });
        var options = WatermarkTestGeneration.Options(21, 200, Scheme(scheme)) with
        {
            Speculation = new SpeculationOptions { DraftModel = draft, DraftMax = 4 },
        };
        // stories260K's stories are short and low in entropy: KGW and the tournament score two texts joined; a message
        // is read from each text (the proxy reads a text from its start).
        var tokens = new List<int>();
        long accepted = 0;
        foreach (string prompt in WatermarkTestGeneration.Prompts[..2])
        {
            var chunks = GenerationTestModels.Collect(target.GenerateAsync(prompt, options));
            int[] ids = GenerationTestModels.IdsOf(chunks);
            tokens.AddRange(ids);
            accepted += chunks[^1].Usage!.Speculation!.Accepted;
            if (options.Watermark is not CodableOptions) continue;
            var (decoded, message) = Detect(scheme, target, ids);
            output.WriteLine($"{scheme}: {ids.Length} tokens, {message}");
            Assert.True(decoded, message);
        }
        Assert.True(accepted > 10, $"only {accepted} drafts accepted");
        if (options.Watermark is CodableOptions) return;
        var (detected, statistic) = Detect(scheme, target, [.. tokens]);
        output.WriteLine($"{scheme}: {tokens.Count} tokens, {accepted} drafts accepted, {statistic}");
        Assert.True(detected, statistic);
    }

    [Fact]
    public void SpeculativeSamplingFollowsTheWatermarkedDistribution()
    {
        // As SpeculativeSamplingTests: the first two tokens of many seeded speculative generations against the exact
        // P(t1)·P(t2 | t1) of the tournament-watermarked chain, by χ²; and that distribution is not the plain one.
        // Two layers: thirty concentrate a top-5 distribution on one token per context, which leaves χ² nothing to test.
        const int draws = 4_000;
        const string prompt = "Once upon a time, there was a";
        using var target = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var draft = Model.Load(WatermarkTestGeneration.Stories281K, new ModelOptions { ThreadCount = 1 });
        var sampling = new SamplingOptions { Temperature = 1f, TopK = 5, TopP = 1f, MinP = 0f };
        var watermark = new TournamentOptions { Key = Key, ContextWidth = 1, Layers = 2 };
        var options = new GenerationOptions
        {
            MaxTokens = 3, Sampling = sampling, Watermark = watermark,
            Speculation = new SpeculationOptions { DraftModel = draft, DraftMax = 3 },
        };
        var expected = PairDistribution(target, prompt, options);
        var unmarked = PairDistribution(target, prompt, options with { Watermark = null });
        double distance = 0;
        foreach (var (pair, p) in expected) distance += Math.Abs(p - unmarked.GetValueOrDefault(pair));
        Assert.True(distance > 0.05, $"the watermark moved the pair distribution by only {distance} (L1)");

        var counts = new Dictionary<(int, int), int>();
        for (int seed = 1; seed <= draws; seed++)
        {
            int[] ids = GenerationTestModels.IdsOf(GenerationTestModels.Collect(target.GenerateAsync(prompt, options with { Seed = (ulong)seed })));
            counts[(ids[0], ids[1])] = counts.GetValueOrDefault((ids[0], ids[1])) + 1;
        }
        var observed = new List<double>();
        var wanted = new List<double>();
        double pooledExpected = draws, pooledObserved = draws;
        foreach (var (pair, probability) in expected)
        {
            double e = probability * draws;
            if (e < 5) continue;
            observed.Add(counts.GetValueOrDefault(pair));
            wanted.Add(e);
            pooledExpected -= e;
            pooledObserved -= counts.GetValueOrDefault(pair);
        }
        observed.Add(pooledObserved);
        wanted.Add(Math.Max(pooledExpected, 1e-9));
        var result = Decoding.Speculative.ChiSquare.Test(observed, wanted);
        output.WriteLine($"L1(watermarked, plain) = {distance:F3}; χ² = {result.Statistic:F1}, df = {result.DegreesOfFreedom}, p = {result.P:G4}");
        Assert.True(result.DegreesOfFreedom >= 5, $"only {result.DegreesOfFreedom + 1} bins");
        Assert.True(result.P > 0.001, $"χ² p = {result.P}");
    }

    /// <summary>P(t1, t2) of the chain <paramref name="options"/> describe, the prompt accepted first as in generation.</summary>
    private static Dictionary<(int, int), double> PairDistribution(SpindleModel target, string prompt, GenerationOptions options)
    {
        int[] tokens = target.EncodePrompt(prompt, options);
        var session = new InferenceSession(target.Model);
        var chain = target.CreateSamplerChain(options);
        foreach (int t in tokens) chain.Accept(t);
        session.Prefill(tokens);
        var first = new List<(int Id, double P)>();
        foreach (var c in chain.Shape(session.Logits).Items) if (c.Probability > 0) first.Add((c.Id, c.Probability));
        var pairs = new Dictionary<(int, int), double>();
        foreach (var (t1, p1) in first)
        {
            var next = (SamplerChain)chain.Clone();
            next.Accept(t1);
            session.Decode(t1);
            foreach (var c in next.Shape(session.Logits).Items) if (c.Probability > 0) pairs[(t1, c.Id)] = p1 * c.Probability;
            session.Rollback(tokens.Length);
        }
        return pairs;
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void ReportedLogprobsStayTheModelsOwn(string scheme)
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var options = WatermarkTestGeneration.Options(4, 40, Scheme(scheme)) with { TopLogprobs = 2 };
        var chunks = GenerationTestModels.Collect(model.GenerateAsync("Once upon a time", options));
        int[] prompt = model.EncodePrompt("Once upon a time", options);
        int[] ids = GenerationTestModels.IdsOf(chunks);
        var session = new InferenceSession(model.Model);
        var logits = session.Prefill(prompt).ToArray();
        for (int i = 0; i < ids.Length; i++)
        {
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            double logprob = logits[ids[i]] - max - Math.Log(sum);
            Assert.Equal(logprob, chunks[i].Logprob, 1e-4);
            Assert.Equal(Array.IndexOf(logits, logits.Max()), chunks[i].TopLogprobs[0].TokenId);
            logits = session.Decode(ids[i]).ToArray();
        }
    }

    [Fact]
    public void OptionsAreCheckedBeforeAnyWork()
    {
        var kgw = new KgwOptions { Key = Key };
        Assert.Equal("Watermark", Assert.ThrowsAny<ArgumentException>(
            new GenerationOptions { Watermark = kgw, Beam = new BeamSearchOptions() }.Validate).ParamName);
        Assert.Equal("Watermark", Assert.ThrowsAny<ArgumentException>(
            new GenerationOptions { Watermark = kgw, Contrastive = new ContrastiveSearchOptions() }.Validate).ParamName);
        Assert.Equal("Gamma", Assert.ThrowsAny<ArgumentException>(
            new GenerationOptions { Watermark = kgw with { Gamma = 1.5 } }.Validate).ParamName);
        Assert.Equal("MessageBits", Assert.ThrowsAny<ArgumentException>(
            new GenerationOptions { Watermark = new CodableOptions { Key = Key, MessageBits = 40 } }.Validate).ParamName);
        new GenerationOptions { Watermark = kgw }.Validate();

        // A proxy must share the generating model's vocabulary.
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        using var other = Model.Load(GenerationTestModels.TinyStoriesQ8, new ModelOptions { ThreadCount = 1 });
        var mismatched = new GenerationOptions { Watermark = new CodableOptions { Key = Key, MessageBits = 8, ProxyModel = other } };
        Assert.Throws<ArgumentException>(() => model.CreateSamplerChain(mismatched));
    }
}
