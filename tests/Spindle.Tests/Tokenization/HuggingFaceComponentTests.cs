using System.Text;
using Spindle.Tokenization.HuggingFace;

namespace Spindle.Tests.Tokenization;

public sealed class HuggingFaceComponentTests
{
    [Theory]
    [InlineData("e\u0301", NormalizationForm.FormC, "\u00E9")]
    [InlineData("\u00E9", NormalizationForm.FormD, "e\u0301")]
    [InlineData("\uFB01", NormalizationForm.FormKC, "fi")]
    [InlineData("\uFB01", NormalizationForm.FormC, "\uFB01")]
    [InlineData("\uD55C", NormalizationForm.FormD, "\u1112\u1161\u11AB")] // 한 → jamo
    [InlineData("\u1112\u1161\u11AB", NormalizationForm.FormC, "\uD55C")]
    [InlineData("a\u0323\u0307", NormalizationForm.FormD, "a\u0323\u0307")] // already in canonical order
    [InlineData("a\u0307\u0323", NormalizationForm.FormD, "a\u0323\u0307")] // reordered: ccc 220 before 230
    [InlineData("\u1E0B\u0323", NormalizationForm.FormC, "\u1E0D\u0307")] // ḋ + dot below → ḍ + dot above
    [InlineData("ascii only", NormalizationForm.FormKD, "ascii only")]
    [InlineData("\u2460", NormalizationForm.FormKC, "1")]
    public void UnicodeNormalizerMatchesTheStandard(string input, NormalizationForm form, string expected) =>
        Assert.Equal(expected, UnicodeNormalizer.Normalize(input, form));

    [Theory]
    [InlineData((int)HfSplitBehavior.Removed, "a|b")]
    [InlineData((int)HfSplitBehavior.Isolated, "a|-|-|b")]
    [InlineData((int)HfSplitBehavior.MergedWithPrevious, "a-|-|b")]
    [InlineData((int)HfSplitBehavior.MergedWithNext, "a|-|-b")]
    [InlineData((int)HfSplitBehavior.Contiguous, "a|--|b")]
    public void SplitBehaviorsFollowTokenizers(int behavior, string expected)
    {
        var output = new List<string>();
        HfSplitter.Split("a--b", [(1, 1), (2, 1)], (HfSplitBehavior)behavior, invert: false, output);
        Assert.Equal(expected, string.Join("|", output));
    }

    [Fact]
    public void MetaspaceSplitsBeforeEachReplacement()
    {
        var pre = new MetaspacePreTokenizer('\u2581', HfPrependScheme.Always, split: true);
        var pieces = new List<string> { "hello big world" };
        pre.PreTokenize(pieces, atTextStart: true);
        Assert.Equal(["▁hello", "▁big", "▁world"], pieces);
    }

    [Fact]
    public void DigitsAndPunctuationSplit()
    {
        var digits = new CharClassPreTokenizer(CharClassPreTokenizer.IsNumeric, HfSplitBehavior.Isolated);
        var pieces = new List<string> { "ab123" };
        digits.PreTokenize(pieces, true);
        Assert.Equal(["ab", "1", "2", "3"], pieces);
        var punct = new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, HfSplitBehavior.Isolated);
        pieces = ["hi, you!"];
        punct.PreTokenize(pieces, true);
        Assert.Equal(["hi", ",", " you", "!"], pieces);
    }

    [Fact]
    public void MetaspaceKeepsRepeatedSpacesAsOwnPieces()
    {
        // tokenizers' own test: "Hey   friend!" → ▁Hey, ▁, ▁, ▁friend!
        var pre = new MetaspacePreTokenizer('\u2581', HfPrependScheme.Always, split: true);
        var pieces = new List<string> { "Hey   friend!" };
        pre.PreTokenize(pieces, atTextStart: true);
        Assert.Equal(["▁Hey", "▁", "▁", "▁friend!"], pieces);
    }

    [Fact]
    public void MetaspaceDecoderDropsReplacementsOfTheFirstTokenOnly()
    {
        var tokens = new List<string> { "▁Hey", "▁friend!" };
        new MetaspaceDecoder('\u2581', HfPrependScheme.Always).DecodeChain(tokens);
        Assert.Equal(["Hey", " friend!"], tokens);
        tokens = ["▁Hey"];
        new MetaspaceDecoder('\u2581', HfPrependScheme.Never).DecodeChain(tokens);
        Assert.Equal([" Hey"], tokens);
    }

    [Fact]
    public void Llama3StyleSplitRegexIsolatesDigitTriples()
    {
        const string pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        var pre = new SplitPreTokenizer(HfPattern.Regex(pattern), HfSplitBehavior.Isolated, invert: false);
        var pieces = new List<string> { "Hello world 12345!! I'M" };
        pre.PreTokenize(pieces, true);
        Assert.Equal(["Hello", " world", " ", "123", "45", "!!", " I", "'M"], pieces);
    }

    [Fact]
    public void LowercaseAndStripWorkUnderInvariantGlobalization()
    {
        Assert.Equal("äbc ω", new LowercaseNormalizer().Normalize("ÄBC Ω"));
        Assert.Equal("a b", new StripNormalizer(true, true).Normalize(" \t a b\u3000"));
        Assert.Equal("cafe", new StripAccentsNormalizer().Normalize(UnicodeNormalizer.Normalize("café", NormalizationForm.FormD)));
    }

    [Fact]
    public void ByteLevelAlphabetIsGpt2s()
    {
        Assert.Equal('Ġ', ByteLevelAlphabet.ToChar((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.ToChar((byte)'\n'));
        Assert.Equal('a', ByteLevelAlphabet.ToChar((byte)'a'));
        for (int b = 0; b < 256; b++) Assert.Equal(b, ByteLevelAlphabet.ToByte(ByteLevelAlphabet.ToChar((byte)b)));
    }
}
