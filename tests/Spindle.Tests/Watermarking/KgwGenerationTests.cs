using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Kgw;

namespace Spindle.Tests.Watermarking;

/// <summary>KGW end to end at temperature 1 (γ = 0.25, δ = 2, h = 1 unless said otherwise).</summary>
public sealed class KgwGenerationTests(ITestOutputHelper output)
{
    private static readonly KgwOptions Options = new() { Key = WatermarkKey.FromString("spindle kgw"), Gamma = 0.25, Delta = 2f };

    [Fact]
    public void WatermarkedGenerationsAreDetectedAndPlainOnesAreNot()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var detector = new KgwDetector(Options);
        var wrongKey = new KgwDetector(Options with { Key = WatermarkKey.FromString("another key") });
        for (int i = 0; i < 6; i++)
        {
            string prompt = WatermarkTestGeneration.Prompts[i];
            ulong seed = 100 + (ulong)i;
            int[] marked = WatermarkTestGeneration.Generate(model, prompt, seed, 200, Options);
            int[] plain = WatermarkTestGeneration.Generate(model, prompt, seed, 200, null);
            var m = detector.Detect(marked);
            var p = detector.Detect(plain);
            var w = wrongKey.Detect(marked);
            output.WriteLine($"{prompt}: marked {marked.Length} tokens, {m.ScoredTokens} scored, z {m.ZScore:F2}; plain {plain.Length}/{p.ScoredTokens}, z {p.ZScore:F2}; wrong key z {w.ZScore:F2}");
            Assert.Equal(WatermarkVerdict.Watermarked, m.Verdict);
            Assert.True(m.ZScore > 5, $"watermarked z = {m.ZScore}");
            Assert.True(Math.Abs(p.ZScore) < 3, $"unwatermarked z = {p.ZScore}");
            Assert.True(Math.Abs(w.ZScore) < 3, $"wrong-key z = {w.ZScore}");
            Assert.NotEqual(WatermarkVerdict.Watermarked, p.Verdict);
            Assert.NotEqual(WatermarkVerdict.Watermarked, w.Verdict);
        }
    }

    [Theory]
    [InlineData(KgwSeeding.MinHash, 4)]
    [InlineData(KgwSeeding.SelfHash, 4)]
    [InlineData(KgwSeeding.LeftHash, 2)]
    public void OtherSeedingsAreDetectedToo(KgwSeeding seeding, int width)
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.Stories260K);
        var options = Options with { Seeding = seeding, ContextWidth = width };
        var detector = new KgwDetector(options);
        for (int i = 0; i < 2; i++)
        {
            int[] marked = WatermarkTestGeneration.Generate(model, WatermarkTestGeneration.Prompts[i], 7 + (ulong)i, 200, options);
            int[] plain = WatermarkTestGeneration.Generate(model, WatermarkTestGeneration.Prompts[i], 7 + (ulong)i, 200, null);
            var m = detector.Detect(marked);
            var p = detector.Detect(plain);
            output.WriteLine($"{seeding}/{width}: marked {m.ScoredTokens} scored z {m.ZScore:F2}; plain {p.ScoredTokens} scored z {p.ZScore:F2}");
            Assert.Equal(WatermarkVerdict.Watermarked, m.Verdict);
            Assert.True(Math.Abs(p.ZScore) < 3, $"unwatermarked z = {p.ZScore}");
        }
    }

    [Fact]
    public void UnigramWatermarksAreDetectedAndSurviveRandomSubstitution()
    {
        // h = 0 on tinystories-656K (on stories260K's 512-token vocabulary a story holds too few distinct tokens: each is scored once).
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var options = Options with { ContextWidth = 0 };
        var detector = new KgwDetector(options);
        var pool = Enumerable.Range(3, model.Model.Config.VocabSize - 3).ToArray();
        for (int i = 0; i < 3; i++)
        {
            int[] marked = WatermarkTestGeneration.Generate(model, WatermarkTestGeneration.Prompts[i], 40 + (ulong)i, 200, options);
            int[] plain = WatermarkTestGeneration.Generate(model, WatermarkTestGeneration.Prompts[i], 40 + (ulong)i, 200, null);
            var m = detector.Detect(marked);
            var p = detector.Detect(plain);
            var attacked = detector.Detect(Spindle.Watermarking.Evaluation.TokenAttacks.Apply(
                Spindle.Watermarking.Evaluation.TokenAttack.Substitution, marked, 0.3, pool, (ulong)i));
            output.WriteLine($"unigram: marked {m.ScoredTokens} scored z {m.ZScore:F2}; 30% substituted z {attacked.ZScore:F2}; plain {p.ScoredTokens} scored z {p.ZScore:F2}");
            Assert.Equal(WatermarkVerdict.Watermarked, m.Verdict);
            Assert.True(attacked.ZScore > 3, $"30% substituted: z = {attacked.ZScore}");
            Assert.True(Math.Abs(p.ZScore) < 3, $"unwatermarked z = {p.ZScore}");
        }
    }
}
