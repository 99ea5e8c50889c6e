using Spindle.Tests.Generation;
using Spindle.Watermarking;
using Spindle.Watermarking.BlackBox;

namespace Spindle.Tests.Watermarking.BlackBox;

/// <summary>Embedding the black-box watermark in a story with tinystories-656K as the local model.</summary>
public sealed class BlackBoxEmbedderTests(ITestOutputHelper output)
{
    private static readonly BlackBoxOptions Options = new() { Key = WatermarkKey.FromString("black box tests") };

    private static string Story => File.ReadAllText(SharedData.PathOf("text", "story.txt"));

    [Fact]
    public void EmbeddingRaisesTheOneShareAndIsDetectedWhileTheOriginalIsNot()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        string story = Story;
        var embedding = new BlackBoxEmbedder(model.Model, model.Tokenizer, Options).Embed(story);
        var detector = new BlackBoxDetector(Options);
        var before = detector.Detect(story);
        var after = detector.Detect(embedding.Text);
        output.WriteLine($"{embedding.Words} words, {before.ScoredWords} scored, {embedding.Replacements.Count} replaced; ones {before.OneFraction:F3} -> {after.OneFraction:F3}, z {before.ZScore:F2} -> {after.ZScore:F2}");
        output.WriteLine(embedding.Text);
        foreach (var r in embedding.Replacements) output.WriteLine($"@{r.Start} {r.Original} -> {r.Replacement} ({r.Probability:P0})");
        Assert.Equal(before, embedding.Before);
        Assert.Equal(after, embedding.After);
        Assert.True(after.OneFraction > before.OneFraction + 0.15, $"{before.OneFraction} -> {after.OneFraction}");
        Assert.True(after.ZScore > 4, $"z = {after.ZScore}");
        Assert.Equal(WatermarkVerdict.Watermarked, after.Verdict);
        Assert.True(Math.Abs(before.ZScore) < 3, $"original z = {before.ZScore}");
        Assert.NotEqual(WatermarkVerdict.Watermarked, before.Verdict);
        Assert.True(embedding.Replacements.Count <= embedding.Budget);
        Assert.Equal((int)Math.Floor(0.25 * embedding.Words), embedding.Budget);

        // A wrong key sees a fair coin.
        var wrong = new BlackBoxDetector(WatermarkKey.FromString("not the key")).Detect(embedding.Text);
        Assert.True(Math.Abs(wrong.ZScore) < 3, $"wrong key z = {wrong.ZScore}");
        Assert.NotEqual(WatermarkVerdict.Watermarked, wrong.Verdict);
    }

    [Fact]
    public void OnlyTheReplacedWordsChange()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        string story = Story;
        var embedding = new BlackBoxEmbedder(model.Model, model.Tokenizer, Options).Embed(story);
        var original = BlackBoxCode.Words(story);
        var rewritten = BlackBoxCode.Words(embedding.Text);
        // The same words in the same places of the word sequence, the same text between them.
        Assert.Equal(original.Count, rewritten.Count);
        var byStart = embedding.Replacements.ToDictionary(r => r.Start);
        int changed = 0;
        for (int i = 0; i < original.Count; i++)
        {
            string before = story.Substring(original[i].Start, original[i].Length);
            string after = embedding.Text.Substring(rewritten[i].Start, rewritten[i].Length);
            string gapBefore = i == 0 ? story[..original[0].Start] : story[original[i - 1].End..original[i].Start];
            string gapAfter = i == 0 ? embedding.Text[..rewritten[0].Start] : embedding.Text[rewritten[i - 1].End..rewritten[i].Start];
            Assert.Equal(gapBefore, gapAfter);
            if (before == after)
            {
                Assert.False(byStart.ContainsKey(original[i].Start));
                continue;
            }
            changed++;
            var r = byStart[original[i].Start];
            Assert.Equal((before, after), (r.Original, r.Replacement));
            Assert.True(original[i].Scored && rewritten[i].Scored, $"{before} -> {after}");
            Assert.True(r.Probability >= Options.MinimumProbability);
        }
        Assert.Equal(embedding.Replacements.Count, changed);
        Assert.Equal(story[original[^1].End..], embedding.Text[rewritten[^1].End..]);
        // Re-embedding with no budget changes nothing.
        var none = new BlackBoxEmbedder(model.Model, model.Tokenizer, Options with { ReplacementRatio = 0 }).Embed(story);
        Assert.Equal(story, none.Text);
        Assert.Empty(none.Replacements);
    }

    [Fact]
    public void ShortAndEmptyTextsAreInsufficient()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var embedder = new BlackBoxEmbedder(model.Model, model.Tokenizer, Options);
        var empty = embedder.Embed("");
        Assert.Equal("", empty.Text);
        Assert.Equal(WatermarkVerdict.Insufficient, empty.After.Verdict);
        var small = embedder.Embed("The little dog ran to the big park and played.");
        Assert.Equal(WatermarkVerdict.Insufficient, small.After.Verdict);
        Assert.Equal(BlackBoxCode.Words("The little dog ran to the big park and played.").Count, BlackBoxCode.Words(small.Text).Count);
    }

    [Fact]
    public void ProposalsAreWholeLowerCaseWordsThatFitTheContext()
    {
        using var model = GenerationTestModels.Load(GenerationTestModels.TinyStoriesQ8);
        var embedder = new BlackBoxEmbedder(model.Model, model.Tokenizer, Options);
        var proposals = embedder.Propose("Once upon a time, there was a little ");
        output.WriteLine(string.Join(", ", proposals.Take(10).Select(p => $"{p.Word} {p.Share:F3}")));
        Assert.NotEmpty(proposals);
        Assert.Equal(1.0, proposals.Sum(p => p.Share), 1e-9);
        Assert.All(proposals, p => Assert.True(p.Word.All(char.IsLower), p.Word));
        Assert.Contains(proposals.Take(5), p => p.Word is "girl" or "boy" or "dog" or "cat" or "bird");
    }
}
