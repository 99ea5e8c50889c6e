using System.Text;
using Spindle.Tokenization.Bpe;

namespace Spindle.Tests.Tokenization;

/// <summary>
/// Each hand-written pre-tokenizer splitter against llama.cpp's regex for it, run the way llama.cpp runs regexes
/// (<see cref="RegexSplitter"/>: category-collapsed text, ECMAScript semantics), on the test-vector strings and
/// thousands of random strings.
/// </summary>
public class BpeSplitterDifferentialTests
{
    // deepseek-llm's letter class without its ranges above U+FFFF (which RegexSplitter cannot express); strings fed
    // to it leave those code points out.
    private static readonly string DeepseekLettersBmpPattern = StripSupplementary(PreTokenizers.DeepseekLlmLetterPattern);

    public static TheoryData<string> StageCases() =>
    [
        "gpt2", "llama3", "qwen2", "number", "numbers", "default-punct", "falcon-punct", "coder-letters", "coder-punct",
        "crlf", "cjk", "llm-letters", "llm-punct", "trailing-space", "digit-triplets",
    ];

    private static (SplitStage Hand, string Pattern) Stage(string name) => name switch
    {
        "gpt2" => (new Gpt2Splitter(), Gpt2Splitter.Pattern),
        "llama3" => (new Llama3Splitter(3), Llama3Splitter.Llama3Pattern),
        "qwen2" => (new Llama3Splitter(1), Llama3Splitter.Qwen2Pattern),
        "number" => (new SingleSplitter(CodepointClass.Categories(CodepointFlags.Number)), "\\p{N}"),
        "numbers" => (new RunSplitter(CodepointClass.Categories(CodepointFlags.Number)), "\\p{N}+"),
        "default-punct" => (new RunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation, "$+<=>^~|")), PreTokenizers.DefaultPunctuationPattern),
        "falcon-punct" => (new RunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation, "$+<=>^~|`")), PreTokenizers.FalconPunctuationPattern),
        "coder-letters" => (new SpacePrefixedRunSplitter(CodepointClass.Categories(CodepointFlags.Letter)), "\\s?\\p{L}+"),
        "coder-punct" => (new SpacePrefixedRunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation)), "\\s?\\p{P}+"),
        "crlf" => (new SingleSplitter(CodepointClass.CarriageReturnOrNewline), "[\r\n]"),
        "cjk" => ((SplitStage)PreTokenizers.Create("deepseek-llm").Stages[4], PreTokenizers.DeepseekCjkPattern),
        "llm-letters" => ((SplitStage)PreTokenizers.Create("deepseek-llm").Stages[1], DeepseekLettersBmpPattern),
        "llm-punct" => ((SplitStage)PreTokenizers.Create("deepseek-llm").Stages[2], PreTokenizers.DeepseekLlmPunctuationPattern),
        "trailing-space" => (new TrailingWhitespaceSplitter(), "\\s+$"),
        "digit-triplets" => (new DigitTripletSplitter(), "[0-9][0-9][0-9]"),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(StageCases))]
    public void HandWrittenStage_MatchesRegex(string name)
    {
        var (hand, pattern) = Stage(name);
        var regex = new RegexSplitter(pattern);
        int compared = 0;
        foreach (string s in Inputs())
        {
            Assert.Equal(SplitWith(regex, s), SplitWith(hand, s));
            compared++;
        }
        Assert.True(compared > 4000);
    }

    public static TheoryData<string> PipelineCases() =>
        ["gpt-2", "llama-bpe", "qwen2", "starcoder", "falcon", "default", "deepseek-coder", "deepseek-llm"];

    // The regex lists of llm_tokenizer_bpe's constructor for these types.
    private static string[] LlamaCppPatterns(string pre) => pre switch
    {
        "gpt-2" => [Gpt2Splitter.Pattern],
        "llama-bpe" => [Llama3Splitter.Llama3Pattern],
        "qwen2" => [Llama3Splitter.Qwen2Pattern],
        "starcoder" => ["\\p{N}", Gpt2Splitter.Pattern],
        "falcon" => [PreTokenizers.FalconPunctuationPattern, Gpt2Splitter.Pattern, "[0-9][0-9][0-9]"],
        "default" => [PreTokenizers.DefaultPunctuationPattern, Gpt2Splitter.Pattern, "\\p{N}+", "[0-9][0-9][0-9]"],
        "deepseek-coder" => ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", PreTokenizers.DeepseekCjkPattern, "\\p{N}"],
        "deepseek-llm" =>
        [
            "[\r\n]", DeepseekLettersBmpPattern, PreTokenizers.DeepseekLlmPunctuationPattern, "\\s+$",
            PreTokenizers.DeepseekCjkPattern, "\\p{N}+",
        ],
        _ => throw new ArgumentException(pre),
    };

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void PreTokenizer_MatchesLlamaCppRegexList(string pre)
    {
        var hand = PreTokenizers.Create(pre);
        var reference = new PreTokenizer(pre, false, LlamaCppPatterns(pre).Select(p => (SplitStage)new RegexSplitter(p)).ToArray());
        foreach (string s in Inputs())
            Assert.Equal(Words(reference, s), Words(hand, s));
    }

    [Fact]
    public void DeepseekLlm_KeepsSupplementaryLettersOfItsClassTogether()
    {
        // 𐐀 (U+10400) is in deepseek-llm's letter class; 😀 is not.
        var pre = PreTokenizers.Create("deepseek-llm");
        Assert.Equal(["𐐀𐐀", " 𐐀"], Words(pre, "𐐀𐐀 𐐀"));
        Assert.Equal(["😀😀 😀"], Words(pre, "😀😀 😀"));
        // The punctuation stage's class [!-/:-~...] holds ASCII letters too, so it splits letter words again.
        Assert.Equal(["caf", "é", " Ab"], Words(pre, "café Ab"));
    }

    [Fact]
    public void Gpt2_SplitsKnownExample()
    {
        var pre = PreTokenizers.Create("gpt-2");
        Assert.Equal(["Hello", " world", "'s", "  ", " 123", "!!", "\n"], Words(pre, "Hello world's   123!!\n"));
    }

    [Fact]
    public void Llama3_SplitsKnownExample()
    {
        var pre = PreTokenizers.Create("llama-bpe");
        Assert.Equal(["Hello", " world", "'S", " ", "123", "4", "!!\n\n\n", "  "], Words(pre, "Hello world'S 1234!!\n\n\n  "));
    }

    private static IEnumerable<string> Inputs()
    {
        string inp = File.ReadAllText(SharedData.PathOf("vocab", "ggml-vocab-gpt-2.gguf.inp"), Encoding.UTF8);
        foreach (string s in inp.Split("\n__ggml_vocab_test__\n")) yield return s;
        // The random pieces minus U+10400, whose class membership RegexSplitter cannot see for deepseek-llm.
        string[] pieces = BpeRandomText.Pieces.Where(p => p != "𐐀").ToArray();
        foreach (string s in BpeRandomText.Strings(seed: 1, count: 4000, pieces)) yield return s;
        foreach (string s in BpeRandomText.Strings(seed: 2, count: 200, pieces)) yield return s + s + s;
    }

    private static List<string> SplitWith(SplitStage stage, string s)
    {
        var text = new CodepointText();
        text.Load(s);
        var pieces = new List<int>();
        stage.SplitChunk(text, 0, text.Count, pieces);
        return ToStrings(text, s, pieces);
    }

    private static List<string> Words(PreTokenizer pre, string s)
    {
        var text = new CodepointText();
        text.Load(s);
        return ToStrings(text, s, pre.Split(text, new List<int>(), new List<int>()));
    }

    private static List<string> ToStrings(CodepointText text, string s, List<int> lengths)
    {
        var words = new List<string>();
        int pos = 0;
        foreach (int length in lengths)
        {
            words.Add(s[text.CharStart[pos]..text.CharStart[pos + length]]);
            pos += length;
        }
        Assert.Equal(text.Count, pos);
        return words;
    }

    private static string StripSupplementary(string pattern)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (char.IsHighSurrogate(pattern[i]))
            {
                // drop "X-Y" where X is supplementary (the range's '-' and end follow)
                i += 1;
                if (i + 1 < pattern.Length && pattern[i + 1] == '-') i += 3;
                continue;
            }
            sb.Append(pattern[i]);
        }
        return sb.ToString();
    }
}
