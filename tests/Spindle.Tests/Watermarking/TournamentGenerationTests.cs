using Spindle.Generation;
using Spindle.Sampling;
using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Tournament;

namespace Spindle.Tests.Watermarking;

/// <summary>Tournament sampling end to end on tinystories-656K at temperature 1 (m = 30 layers, H = 4).</summary>
public sealed class TournamentGenerationTests(ITestOutputHelper output)
{
    private static readonly TournamentOptions Options = new() { Key = WatermarkKey.FromString("spindle synthid") };

    [Fact]
    public void WatermarkedGenerationsAreDetectedAndPlainOnesAreNot()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var detector = new TournamentDetector(Options);
        var wrongKey = new TournamentDetector(Options with { Key = WatermarkKey.FromString("another key") });
        for (int i = 0; i < 4; i++)
        {
            string prompt = WatermarkTestGeneration.Prompts[i];
            ulong seed = 300 + (ulong)i;
            int[] marked = WatermarkTestGeneration.Generate(model, prompt, seed, 200, Options);
            int[] plain = WatermarkTestGeneration.Generate(model, prompt, seed, 200, null);
            var m = detector.Detect(marked);
            var p = detector.Detect(plain);
            var w = wrongKey.Detect(marked);
            output.WriteLine($"{prompt}: marked {m.ScoredTokens} scored, mean {m.MeanScore:F4}, p {m.PValue:G3}; plain {p.ScoredTokens}, mean {p.MeanScore:F4}, p {p.PValue:G3}; wrong key mean {w.MeanScore:F4}, p {w.PValue:G3}");
            Assert.Equal(WatermarkVerdict.Watermarked, m.Verdict);
            Assert.True(m.MeanScore > 0.52, $"mean g = {m.MeanScore}");
            Assert.True(p.PValue > 1e-3, $"unwatermarked p = {p.PValue}");
            Assert.True(w.PValue > 1e-3, $"wrong-key p = {w.PValue}");
        }
    }

    [Fact]
    public void GreedyDecodingIsNotWatermarked()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        foreach (string prompt in WatermarkTestGeneration.Prompts[..3])
        {
            int[] plain = WatermarkTestGeneration.Generate(model, prompt, 1, 60, null, SamplingOptions.Greedy);
            int[] marked = WatermarkTestGeneration.Generate(model, prompt, 1, 60, Options, SamplingOptions.Greedy);
            Assert.Equal(plain, marked);
        }
    }

    [Fact]
    public void MirostatIsRefused()
    {
        var options = new GenerationOptions { Sampling = new SamplingOptions { Mirostat = 2 }, Watermark = Options };
        var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal("Watermark", e.ParamName);
    }
}
