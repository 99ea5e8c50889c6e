using Spindle.Watermarking;
using Spindle.Watermarking.BlackBox;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle watermark embed`: the rewritten text on stdout is detected with the key; errors are one line.</summary>
public sealed class WatermarkEmbedCommandTests
{
    [Fact]
    public void RewrittenStoryIsDetectedWithTheKey()
    {
        string story = SharedData.PathOf("text", "story.txt");
        var r = CliRunner.Run("watermark", "embed", "-m", TinyStoriesQ8, "-t", "1", "--key", "cli key", story);
        Assert.True(r.ExitCode == 0, r.Error);
        string original = File.ReadAllText(story);
        Assert.NotEqual(original, r.Out);
        Assert.Equal(BlackBoxCode.Words(original).Count, BlackBoxCode.Words(r.Out).Count);
        Assert.Contains("(Watermarked)", r.Error);
        Assert.Equal(WatermarkVerdict.Watermarked, new BlackBoxDetector(WatermarkKey.FromString("cli key")).Detect(r.Out).Verdict);
        Assert.NotEqual(WatermarkVerdict.Watermarked, new BlackBoxDetector(WatermarkKey.FromString("cli key")).Detect(original).Verdict);
    }

    [Fact]
    public void BadInputIsAOneLineError()
    {
        var missing = CliRunner.Run("watermark", "embed", "-m", TinyStoriesQ8, "--key", "k", "no-such-file.txt");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Single(missing.ErrorLines);
        Assert.Equal(2, CliRunner.Run("watermark", "embed", "-m", TinyStoriesQ8, "--key", "k", "--ratio", "2", "x.txt").ExitCode);
        Assert.Equal(2, CliRunner.Run("watermark", "embed", "-m", TinyStoriesQ8, "x.txt").ExitCode); // no key
    }
}
