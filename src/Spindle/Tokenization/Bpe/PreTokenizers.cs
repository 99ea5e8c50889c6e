namespace Spindle.Tokenization.Bpe;

/// <summary>
/// tokenizer.ggml.pre → pre-tokenizer, as llama.cpp's llama_vocab::impl::load maps names to LLAMA_VOCAB_PRE_TYPE_* and
/// llm_tokenizer_bpe lists each type's regexes. The common regexes run through hand-written splitters; the rest through
/// <see cref="RegexSplitter"/>.
/// </summary>
internal static class PreTokenizers
{
    // Greek Extended and letterlike code points that Unicode normalisation would fold are written as escapes.
    private const string DeepseekLetters =
        "A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃";
    private const string DeepseekPunctuation = "!-/:-~！-／：-～‘-‟　-。";
    private const string DeepseekCjk = "一-龥ࠀ-一가-퟿";

    // Regex strings exactly as llama.cpp writes them (used by tests and by RegexSplitter).
    public const string DeepseekLlmLetterPattern = "\\s?[" + DeepseekLetters + "]+";
    public const string DeepseekLlmPunctuationPattern = "\\s?[" + DeepseekPunctuation + "]+";
    public const string DeepseekCjkPattern = "[" + DeepseekCjk + "]+";
    public const string DefaultPunctuationPattern = "[\\p{P}\\$\\+<=>\\^~\\|]+";
    public const string FalconPunctuationPattern = "[\\p{P}\\$\\+<=>\\^~\\|`]+";
    private const string Gpt4oPattern =
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private const string BloomPattern = " ?[^(\\s|.,!?…。，、।۔،)]+";
    private const string Deepseek3Main =
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    private const string LlamaContractions = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    private static readonly string[] Gpt2Names =
    [
        "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert",
        "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4",
    ];
    private static readonly string[] Llama3Names =
        ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"];
    private static readonly string[] Llama3RegexNames = ["dbrx", "smaug-bpe", "glm4", "chatglm-bpe"];
    private static readonly string[] StarcoderNames =
        ["starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"];
    private static readonly string[] Qwen2Names =
        ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "megrez", "hunyuan", "solar-open", "grok-2"];
    private static readonly string[] Deepseek3Names = ["deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"];
    private static readonly string[] BloomNames = ["bloom", "gpt3-finnish", "poro-chat"];
    private static readonly string[] Gpt4oNames = ["gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"];
    private static readonly string[] OtherNames =
    [
        "default", "deepseek-llm", "deepseek-coder", "falcon", "viking", "tekken", "qwen35", "chameleon", "tiny_aya",
        "cohere2moe", "bailingmoe", "bailingmoe2", "llada-moe", "seed-coder", "ufakzeka", "laguna", "exaone-moe", "minicpm5",
        "jais-2", "spark2_5", "youtu", "granite-embed-multi-97m",
    ];

    // Pre names for which llama.cpp turns clean_spaces off (it is on for every other byte-level BPE vocabulary).
    private static readonly HashSet<string> KeepSpacesNames =
    [
        "deepseek-llm", "deepseek-coder", "deepseek-v3", "spark2_5", "youtu", "command-r", "qwen2", "deepseek-r1-qwen",
        "kormo", "f2llmv2", "qwen35", "poro-chat", "viking", "tekken", "smollm", "chameleon", "gpt-4o", "llama4", "kanana2",
        "talkie", "granite-embed-multi-97m", "tiny_aya", "cohere2moe", "trillion", "granite-docling", "bailingmoe",
        "bailingmoe2", "llada-moe", "seed-coder", "hunyuan", "hunyuan-dense", "hy_v4", "joyai-llm", "ufakzeka", "grok-2",
        "laguna", "minimax-m2", "solar-open",
    ];

    /// <summary>llama.cpp's clean_spaces for a pre name: whether detokenizing tidies spaces before punctuation.</summary>
    public static bool CleansSpaces(string? pre) => !KeepSpacesNames.Contains(pre ?? "");

    /// <summary>Every tokenizer.ggml.pre value this library accepts for a "gpt2" vocabulary.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } =
        [.. Gpt2Names, .. Llama3Names, .. Llama3RegexNames, .. StarcoderNames, .. Qwen2Names, .. Deepseek3Names,
         .. BloomNames, .. Gpt4oNames, .. OtherNames];

    /// <summary>The pre-tokenizer for <paramref name="pre"/>; null or empty is llama.cpp's "default" (it warns, then uses it).</summary>
    public static PreTokenizer Create(string? pre)
    {
        string name = string.IsNullOrEmpty(pre) ? "default" : pre;
        if (Array.IndexOf(Gpt2Names, name) >= 0) return new(name, false, new Gpt2Splitter());
        if (Array.IndexOf(Llama3Names, name) >= 0) return new(name, true, new Llama3Splitter(3));
        if (Array.IndexOf(Llama3RegexNames, name) >= 0) return new(name, false, new Llama3Splitter(3));
        if (Array.IndexOf(StarcoderNames, name) >= 0)
            return new(name, false, new SingleSplitter(CodepointClass.Categories(CodepointFlags.Number)), new Gpt2Splitter());
        if (Array.IndexOf(Qwen2Names, name) >= 0) return new(name, false, new Llama3Splitter(1));
        if (Array.IndexOf(Deepseek3Names, name) >= 0)
            return Regexes(name, false, "\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", Deepseek3Main);
        if (Array.IndexOf(BloomNames, name) >= 0) return Regexes(name, false, BloomPattern);
        if (Array.IndexOf(Gpt4oNames, name) >= 0) return Regexes(name, false, Gpt4oPattern);

        return name switch
        {
            "default" => new(name, false,
                new RunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation, "$+<=>^~|")),
                new Gpt2Splitter(),
                new RunSplitter(CodepointClass.Categories(CodepointFlags.Number)),
                new DigitTripletSplitter()),
            "deepseek-llm" => new(name, false,
                new SingleSplitter(CodepointClass.CarriageReturnOrNewline),
                new SpacePrefixedRunSplitter(CodepointClass.Ranges(DeepseekLetters)),
                new SpacePrefixedRunSplitter(CodepointClass.Ranges(DeepseekPunctuation)),
                new TrailingWhitespaceSplitter(),
                new RunSplitter(CodepointClass.Ranges(DeepseekCjk)),
                new RunSplitter(CodepointClass.Categories(CodepointFlags.Number))),
            "deepseek-coder" => new(name, false,
                new SingleSplitter(CodepointClass.CarriageReturnOrNewline),
                new SpacePrefixedRunSplitter(CodepointClass.Categories(CodepointFlags.Letter)),
                new SpacePrefixedRunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation)),
                new RunSplitter(CodepointClass.Ranges(DeepseekCjk)),
                new SingleSplitter(CodepointClass.Categories(CodepointFlags.Number))),
            "falcon" => new(name, false,
                new RunSplitter(CodepointClass.Categories(CodepointFlags.Punctuation, "$+<=>^~|`")),
                new Gpt2Splitter(),
                new DigitTripletSplitter()),
            "viking" => Regexes(name, false, BloomPattern, "\\p{N}"),
            "tekken" => Regexes(name, true,
                "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "qwen35" => Regexes(name, false,
                LlamaContractions + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "chameleon" => Regexes(name, false,
                "<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
                "[\\p{P}!-/:-@\\[-`{-~]", Gpt2Splitter.Pattern),
            "tiny_aya" or "cohere2moe" => Regexes(name, false,
                "\\d{1,3}(?=(?:\\d{3})*\\b)",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + LlamaContractions + "?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + LlamaContractions + "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "bailingmoe" or "bailingmoe2" or "llada-moe" => Regexes(name, false,
                "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
            "seed-coder" => Regexes(name, false,
                LlamaContractions + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "ufakzeka" => Regexes(name, false,
                "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "laguna" => Regexes(name, false, "[^\\n]+|[\\n]+", Llama3Splitter.Qwen2Pattern),
            "exaone-moe" => Regexes(name, false,
                LlamaContractions + "|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+").WithWordsSpanningSpaces(),
            "minicpm5" => Regexes(name, true, "\\p{N}{1,3}",
                LlamaContractions + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "jais-2" => Regexes(name, false,
                LlamaContractions + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}"),
            "spark2_5" => Regexes(name, false, "\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
                "\\p{N}"),
            "youtu" => Regexes(name, true,
                "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + LlamaContractions + "?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + LlamaContractions + "?|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            "granite-embed-multi-97m" => Regexes(name, true,
                "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+" + LlamaContractions + "?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*" + LlamaContractions + "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
            _ => throw new NotSupportedException(
                $"tokenizer.ggml.pre '{name}' is not supported for byte-level BPE (supported: {string.Join(", ", SupportedNames)})"),
        };
    }

    /// <summary>A pipeline of llama.cpp regexes; those llama.cpp itself runs by hand get the hand-written splitter.</summary>
    private static PreTokenizer Regexes(string name, bool ignoreMerges, params string[] patterns)
    {
        var stages = new SplitStage[patterns.Length];
        for (int i = 0; i < patterns.Length; i++)
        {
            stages[i] = patterns[i] switch
            {
                Gpt2Splitter.Pattern => new Gpt2Splitter(),
                Llama3Splitter.Llama3Pattern or Llama3Splitter.Llama3PatternCaseInsensitive => new Llama3Splitter(3),
                _ => new RegexSplitter(patterns[i]),
            };
        }
        return new PreTokenizer(name, ignoreMerges, stages);
    }
}
