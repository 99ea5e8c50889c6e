using Spindle.Sampling;
using Spindle.Watermarking;
using Spindle.Watermarking.BlackBox;

namespace Spindle.Tests.Watermarking.BlackBox;

/// <summary>The word split, which words are scored, the keyed bits and the detector, without a model.</summary>
public sealed class BlackBoxCodeTests
{
    private static readonly WatermarkKey Key = WatermarkKey.FromString("black box tests");

    [Fact]
    public void WordsAreRunsOfLettersAndOnlyLowerCaseContentWordsAreScored()
    {
        const string text = "Anna's dog didn't bark; the well-known cat sat on 2 mats at 9pm, happily.";
        var words = BlackBoxCode.Words(text);
        string[] expected = ["Anna", "s", "dog", "didn", "t", "bark", "the", "well", "known", "cat", "sat", "on", "mats", "at", "pm", "happily"];
        Assert.Equal(expected, words.Select(w => text.Substring(w.Start, w.Length)));
        var scored = words.Where(w => w.Scored).Select(w => text.Substring(w.Start, w.Length));
        // Names, stop words, single letters and parts of "didn't", "well-known", "9pm" are not scored.
        Assert.Equal(["dog", "bark", "cat", "sat", "mats", "happily"], scored);
        Assert.Empty(BlackBoxCode.Words(""));
        Assert.Empty(BlackBoxCode.Words("  12, -- !"));
        Assert.True(BlackBoxCode.IsScorableWord("garden"));
        Assert.False(BlackBoxCode.IsScorableWord("Garden"));
        Assert.False(BlackBoxCode.IsScorableWord("the"));
        Assert.False(BlackBoxCode.IsScorableWord("a"));
    }

    [Fact]
    public void BitsAreKeyedSeededByThePreviousWordAndFair()
    {
        Assert.Equal(BlackBoxCode.Bit(Key, "big", "dog"), BlackBoxCode.Bit(Key, "Big", "DOG")); // case does not matter
        var rng = new SamplerRng(3);
        int ones = 0, differsByPrevious = 0, differsByKey = 0;
        var other = WatermarkKey.FromString("another key");
        const int n = 4000;
        for (int i = 0; i < n; i++)
        {
            string word = RandomWord(rng), previous = RandomWord(rng), previous2 = RandomWord(rng);
            int bit = BlackBoxCode.Bit(Key, previous, word);
            ones += bit;
            if (bit != BlackBoxCode.Bit(Key, previous2, word)) differsByPrevious++;
            if (bit != BlackBoxCode.Bit(other, previous, word)) differsByKey++;
        }
        // Each is a fair coin: σ of the share is 0.008 at n = 4,000.
        Assert.InRange(ones / (double)n, 0.46, 0.54);
        Assert.InRange(differsByPrevious / (double)n, 0.46, 0.54);
        Assert.InRange(differsByKey / (double)n, 0.46, 0.54);
    }

    [Fact]
    public void ShortOrEmptyTextIsInsufficientAndRepeatedPairsCountOnce()
    {
        var detector = new BlackBoxDetector(Key);
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect("").Verdict);
        Assert.Equal(WatermarkVerdict.Insufficient, detector.Detect("The dog ran to the park.").Verdict);
        var empty = detector.Detect("");
        Assert.Equal((0, 0, 0.0, 1.0), (empty.ScoredWords, empty.Ones, empty.ZScore, empty.PValue));
        // "little dog" forty times: the pairs (start, little), (little, dog), (dog, little) only.
        var repeated = detector.Detect(string.Join(" ", Enumerable.Repeat("little dog", 40)));
        Assert.Equal(3, repeated.ScoredWords);
        Assert.Equal(WatermarkVerdict.Insufficient, repeated.Verdict);
    }

    [Fact]
    public void RandomTextIsNotWatermarked()
    {
        var rng = new SamplerRng(11);
        var detector = new BlackBoxDetector(Key);
        for (int t = 0; t < 20; t++)
        {
            var words = new string[300];
            for (int i = 0; i < words.Length; i++) words[i] = RandomWord(rng);
            var d = detector.Detect(string.Join(' ', words));
            Assert.True(d.ScoredWords > 250, $"{d.ScoredWords} scored");
            Assert.InRange(d.ZScore, -4, 4);
            Assert.NotEqual(WatermarkVerdict.Watermarked, d.Verdict);
        }
    }

    [Fact]
    public void InvalidOptionsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxOptions { Key = Key, ReplacementRatio = 1.5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxOptions { Key = Key, MinimumProbability = double.NaN }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxOptions { Key = Key, MaxLikelihoodLoss = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxOptions { Key = Key, BeamWidth = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxDetector(new BlackBoxOptions { Key = Key, RightContextWords = 17 }));
    }

    private static string RandomWord(SamplerRng rng)
    {
        var chars = new char[4 + (int)(rng.NextUInt64() % 5)];
        for (int i = 0; i < chars.Length; i++) chars[i] = (char)('a' + (int)(rng.NextUInt64() % 26));
        return new string(chars);
    }
}
