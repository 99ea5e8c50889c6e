using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.Kgw;

namespace Spindle.Tests.Watermarking;

/// <summary>
/// What detection from text (`spindle watermark detect`) loses against detection from the generated ids: the text is
/// re-read with <see cref="Spindle.Tokenization.Tokenizer.EncodeContinuation"/>, which gives back every id the tokenizer
/// would itself have chosen; sampled splits it would not choose read differently. Figures in docs/watermarking.md.
/// </summary>
public sealed class RetokenizationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("stories260K", 10, 14)]
    [InlineData("tinystories-656K", 0, 12)]
    public void KgwTextsStayDetectableWhenReTokenized(string name, int minimumExact, int minimumDetected)
    {
        string path = name == "stories260K" ? GenerationTestModels.Stories260K : GenerationTestModels.TinyStoriesQ8;
        using var model = GenerationTestModels.Load(path);
        var kgw = new KgwOptions { Key = WatermarkKey.FromString("retokenize") };
        var detector = new KgwDetector(kgw);
        int exact = 0, plainExact = 0, detected = 0;
        var idZ = new List<double>();
        var textZ = new List<double>();
        for (int i = 0; i < 16; i++)
        {
            var chunks = GenerationTestModels.Collect(model.GenerateAsync(WatermarkTestGeneration.Prompts[i % 8], WatermarkTestGeneration.Options((ulong)i, 150, kgw)));
            int[] ids = [.. GenerationTestModels.IdsOf(chunks).Where(id => !model.Vocabulary.IsEndOfGeneration(id))];
            int[] reread = model.Tokenizer.EncodeContinuation(GenerationTestModels.TextOf(chunks));
            if (reread.AsSpan().SequenceEqual(ids)) exact++;
            // A plain encode treats the text as a start (SentencePiece's space prefix): the first token reads differently.
            if (model.Tokenizer.Encode(GenerationTestModels.TextOf(chunks)).AsSpan().SequenceEqual(ids)) plainExact++;
            var fromText = detector.Detect(reread);
            if (fromText.Verdict == WatermarkVerdict.Watermarked) detected++;
            idZ.Add(detector.Detect(ids).ZScore);
            textZ.Add(fromText.ZScore);
        }
        idZ.Sort();
        textZ.Sort();
        output.WriteLine($"{name}: {exact}/16 texts re-read to their ids ({plainExact}/16 by a plain encode); {detected}/16 detected from text; " +
            $"z from ids {idZ[0]:F2}–{idZ[^1]:F2} (median {(idZ[7] + idZ[8]) / 2:F2}), from text {textZ[0]:F2}–{textZ[^1]:F2} (median {(textZ[7] + textZ[8]) / 2:F2})");
        Assert.True(exact >= minimumExact, $"{exact} exact");
        Assert.True(detected >= minimumDetected, $"{detected} detected");
    }
}
