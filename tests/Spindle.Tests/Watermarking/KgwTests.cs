using Spindle.Sampling;
using Spindle.Watermarking;
using Spindle.Watermarking.Kgw;

namespace Spindle.Tests.Watermarking;

/// <summary>KGW's stage and detector without a model: options, the green fraction under the null, bad input.</summary>
public sealed class KgwTests
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("kgw tests");

    [Theory]
    [InlineData(0.0, 2f, 1)]
    [InlineData(1.0, 2f, 1)]
    [InlineData(double.NaN, 2f, 1)]
    [InlineData(0.25, -0.5f, 1)]
    [InlineData(0.25, float.NaN, 1)]
    [InlineData(0.25, float.PositiveInfinity, 1)]
    [InlineData(0.25, 2f, -1)]
    [InlineData(0.25, 2f, 17)]
    public void InvalidOptionsThrowArgumentExceptions(double gamma, float delta, int width)
    {
        var options = new KgwOptions { Key = Key, Gamma = gamma, Delta = delta, ContextWidth = width };
        Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.ThrowsAny<ArgumentException>(() => new KgwStage(options));
        Assert.ThrowsAny<ArgumentException>(() => new KgwDetector(options));
    }

    [Fact]
    public void KeysFromStringsAreStableAndDistinct()
    {
        Assert.Equal(WatermarkKey.FromString("secret"), WatermarkKey.FromString("secret"));
        Assert.NotEqual(WatermarkKey.FromString("secret"), WatermarkKey.FromString("Secret"));
        Assert.NotEqual(WatermarkKey.FromString(""), WatermarkKey.FromString(" "));
        // FNV-1a of "a" is 0xAF63DC4C8601EC8C; the key is its SplitMix64 finalization.
        ulong z = 0xAF63DC4C8601EC8CUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        Assert.Equal(z ^ (z >> 31), WatermarkKey.FromString("a").Value);
    }

    [Theory]
    [InlineData(KgwSeeding.LeftHash, 1)]
    [InlineData(KgwSeeding.LeftHash, 3)]
    [InlineData(KgwSeeding.MinHash, 4)]
    [InlineData(KgwSeeding.SelfHash, 4)]
    [InlineData(KgwSeeding.LeftHash, 0)]
    public void UniformRandomTokensAreGreenAtRateGamma(KgwSeeding seeding, int width)
    {
        // Under the null the z-score is standard normal; 20,000 random tokens over a 50,000-token vocabulary.
        var options = new KgwOptions { Key = Key, Seeding = seeding, ContextWidth = width, Gamma = 0.25 };
        var rng = new SamplerRng(42 + (ulong)width);
        var tokens = new int[20_000];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (int)(rng.NextUInt64() % 50_000);
        var result = new KgwDetector(options).Detect(tokens);
        // Self-hash repeats a PRF input whenever the candidate's own hash is the window's minimum and the token recurs;
        // the unigram scores each distinct token once (≈ 50,000·(1 − e^−0.4) ≈ 16,500 of them).
        Assert.True(result.ScoredTokens > (width == 0 ? 16_000 : 19_000), $"{result.ScoredTokens} scored");
        Assert.InRange(result.ZScore, -4, 4);
        Assert.Equal(WatermarkVerdict.NotWatermarked, result.Verdict);
    }

    [Fact]
    public void TheStageBiasesExactlyTheTokensTheDetectorCallsGreen()
    {
        var options = new KgwOptions { Key = Key, Seeding = KgwSeeding.SelfHash, ContextWidth = 2, Delta = 3f };
        var stage = new KgwStage(options);
        var detector = new KgwDetector(options, new DetectionOptions { MinimumScoredTokens = 1 });
        stage.Accept(17);
        stage.Accept(99);
        var candidates = new CandidateSet(1000);
        candidates.Load(new float[1000]);
        stage.Apply(candidates);
        int green = 0;
        foreach (var c in candidates.Items)
        {
            bool isGreen = detector.Detect([17, 99, c.Id]).GreenTokens == 1;
            Assert.Equal(isGreen ? 3f : 0f, c.Logit);
            if (isGreen) green++;
        }
        Assert.InRange(green, 200, 300); // γ = 0.25 of 1,000
    }

    [Theory]
    [InlineData(KgwSeeding.LeftHash)]
    [InlineData(KgwSeeding.SelfHash)]
    public void UnigramGreenListsAreTheSameAtEveryPosition(KgwSeeding seeding)
    {
        // h = 0: one green list, applied from the first token on and whatever came before.
        var options = new KgwOptions { Key = Key, ContextWidth = 0, Seeding = seeding, Delta = 1f };
        var stage = new KgwStage(options);
        float[] Bias()
        {
            var candidates = new CandidateSet(500);
            candidates.Load(new float[500]);
            stage.Apply(candidates);
            var logits = new float[500];
            foreach (var c in candidates.Items) logits[c.Id] = c.Logit;
            return logits;
        }
        float[] first = Bias();
        Assert.InRange(first.Count(l => l == 1f), 90, 160); // γ = 0.25 of 500
        stage.Accept(17);
        Assert.Equal(first, Bias());
        stage.Accept(3);
        Assert.Equal(first, Bias());
        var copy = stage.Clone();
        stage.Reset();
        Assert.Equal(first, Bias());
        // The detector scores every token, each distinct token once (a repeat is the same coin).
        var detector = new KgwDetector(options, new DetectionOptions { MinimumScoredTokens = 1 });
        var d = detector.Detect([5, 9, 5, 5, 9, 12]);
        Assert.Equal(3, d.ScoredTokens);
        Assert.Equal((first[5] == 1f ? 1 : 0) + (first[9] == 1f ? 1 : 0) + (first[12] == 1f ? 1 : 0), d.GreenTokens);
        Assert.NotNull(copy);
    }

    [Fact]
    public void AStageWithoutAFullContextLeavesTheLogitsAlone()
    {
        var stage = new KgwStage(new KgwOptions { Key = Key, ContextWidth = 3 });
        stage.Accept(5);
        stage.Accept(6);
        var candidates = new CandidateSet(64);
        candidates.Load(new float[64]);
        stage.Apply(candidates);
        foreach (var c in candidates.Items) Assert.Equal(0f, c.Logit);
    }

    [Fact]
    public void BadInputGetsAnHonestVerdict()
    {
        var detector = new KgwDetector(new KgwOptions { Key = Key });
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect([]).Verdict);
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect([7]).Verdict);
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect([1, 2, 3, 4, 5]).Verdict);
        var empty = detector.Detect([]);
        Assert.Equal((0, 0, 0.0, 1.0), (empty.ScoredTokens, empty.GreenTokens, empty.ZScore, empty.PValue));
        // Negative and huge ids are hashed like any other: no exception.
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect([-1, int.MaxValue, int.MinValue]).Verdict);
    }

    [Fact]
    public void RepeatedNgramsAreScoredOnce()
    {
        // "a b a b a b …": only the pairs (a, b) and (b, a) are new, whatever the length.
        var tokens = new int[400];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = i % 2 == 0 ? 11 : 12;
        var result = new KgwDetector(new KgwOptions { Key = Key }).Detect(tokens);
        Assert.Equal(2, result.ScoredTokens);
        Assert.Equal(WatermarkVerdict.Insufficient, result.Verdict);
    }

    [Fact]
    public void CloneCopiesTheContext()
    {
        var stage = new KgwStage(new KgwOptions { Key = Key, ContextWidth = 2 });
        stage.Accept(3);
        stage.Accept(4);
        var copy = stage.Clone();
        stage.Accept(5); // the original moves on; the copy must still see (3, 4)
        var fresh = new KgwStage(new KgwOptions { Key = Key, ContextWidth = 2 });
        fresh.Accept(3);
        fresh.Accept(4);
        var a = new CandidateSet(256);
        var b = new CandidateSet(256);
        a.Load(new float[256]);
        b.Load(new float[256]);
        copy.Apply(a);
        fresh.Apply(b);
        for (int i = 0; i < 256; i++) Assert.Equal(b[i].Logit, a[i].Logit);
    }
}
