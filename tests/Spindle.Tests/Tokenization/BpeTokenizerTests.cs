using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Spindle.Gguf;
using Spindle.Tokenization;
using Spindle.Tokenization.Bpe;

namespace Spindle.Tests.Tokenization;

public class BpeTokenizerTests
{
    // Every "gpt2"-model vocabulary in shared/vocab that has llama.cpp's test vectors.
    public static TheoryData<string> VocabulariesWithVectors() => new()
    {
        "gpt-2", "mpt", "falcon", "starcoder", "refact", "deepseek-coder", "deepseek-llm",
    };

    private static readonly Dictionary<string, Tokenizer> Loaded = new();

    private static Tokenizer Load(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var tokenizer))
            {
                using var file = GgufFile.Open(SharedData.PathOf("vocab", $"ggml-vocab-{name}.gguf"));
                tokenizer = Tokenizer.FromGguf(file);
                Loaded[name] = tokenizer;
            }
            return tokenizer;
        }
    }

    /// <summary>llama.cpp's test-tokenizer-0 files: strings separated by a line "__ggml_vocab_test__", one id line each.</summary>
    private static List<(string Text, int[] Ids)> ReadVectors(string name)
    {
        string inp = File.ReadAllText(SharedData.PathOf("vocab", $"ggml-vocab-{name}.gguf.inp"), Encoding.UTF8);
        string[] texts = inp.Split("\n__ggml_vocab_test__\n");
        Assert.Equal("", texts[^1]); // the file ends with a separator
        string[] lines = File.ReadAllText(SharedData.PathOf("vocab", $"ggml-vocab-{name}.gguf.out")).Split('\n');
        var vectors = new List<(string, int[])>();
        for (int i = 0; i < texts.Length - 1; i++)
        {
            int[] ids = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            vectors.Add((texts[i], ids));
        }
        Assert.True(lines.Length >= vectors.Count, $"{name}: {lines.Length} id lines for {vectors.Count} strings");
        return vectors;
    }

    [Theory]
    [MemberData(nameof(VocabulariesWithVectors))]
    public void Encode_MatchesLlamaCppVectors(string name)
    {
        var tokenizer = Load(name);
        var vectors = ReadVectors(name);
        Assert.True(vectors.Count >= 40);
        var failures = new List<string>();
        foreach (var (text, expected) in vectors)
        {
            int[] actual = tokenizer.Encode(text);
            if (!actual.SequenceEqual(expected))
                failures.Add($"'{text}': expected [{string.Join(' ', expected)}] got [{string.Join(' ', actual)}]");
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {vectors.Count} differ:\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(VocabulariesWithVectors))]
    public void Decode_RoundTripsVectorStrings(string name)
    {
        var tokenizer = Load(name);
        foreach (var (text, _) in ReadVectors(name))
            Assert.Equal(text, Decode(tokenizer, tokenizer.Encode(text)));
    }

    [Theory]
    [InlineData("gpt-2", "gpt-2")]
    [InlineData("deepseek-llm", "deepseek-llm")]
    [InlineData("falcon", "falcon")]
    [InlineData("gpt-neox", "default")] // no tokenizer.ggml.pre: llama.cpp falls back to "default"
    public void PreTokenizer_IsChosenByPreKey(string name, string expected)
    {
        var tokenizer = Assert.IsType<BpeTokenizer>(Load(name));
        Assert.Equal(expected, tokenizer.PreTokenizerName);
    }

    [Fact]
    public void GptNeox_RoundTripsWithDefaultPreTokenizer()
    {
        var tokenizer = Load("gpt-neox");
        foreach (var (text, _) in ReadVectors("gpt-2"))
            Assert.Equal(text, Decode(tokenizer, tokenizer.Encode(text)));
    }

    [Theory]
    [MemberData(nameof(VocabulariesWithVectors))]
    public void Decode_RoundTripsRandomStrings(string name)
    {
        var tokenizer = Load(name);
        // llama.cpp drops a byte whose byte-alphabet character is not a token (falcon has no \v, for one): such text
        // cannot round-trip, so the pieces are limited to what the vocabulary can spell.
        string[] pieces = BpeRandomText.Pieces.Where(p => CanSpell(tokenizer.Vocabulary, p)).ToArray();
        Assert.True(pieces.Length > BpeRandomText.Pieces.Length * 3 / 4);
        Gen<string> gen = Gen.Elements(pieces).ArrayOf().Select(parts => string.Concat(parts));
        Prop.ForAll(gen.ToArbitrary(), s => Decode(tokenizer, tokenizer.Encode(s)) == s)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Encode_IsThreadSafeWithASharedWordCache()
    {
        using var file = GgufFile.Open(SharedData.PathOf("vocab", "ggml-vocab-gpt-2.gguf"));
        var tokenizer = Tokenizer.FromGguf(file); // fresh: the cache fills concurrently
        var vectors = ReadVectors("gpt-2");
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, worker =>
        {
            for (int round = 0; round < 20; round++)
            {
                foreach (var (text, expected) in vectors)
                {
                    if (!tokenizer.Encode(text).SequenceEqual(expected)) errors.Add($"worker {worker}: '{text}'");
                }
            }
        });
        Assert.Empty(errors);
    }

    [Fact]
    public void AddSpecial_AddsBosAndEosOnlyWhenTheVocabularyAsksForThem()
    {
        var gpt2 = Load("gpt-2");
        int[] plain = gpt2.Encode("Hello world");
        Assert.Equal(plain, gpt2.Encode("Hello world", addSpecial: true)); // gpt-2: add_bos_token is not set

        var v = gpt2.Vocabulary;
        var withFlags = new Vocabulary(v.Model, v.Pre, v.Tokens, v.Scores, v.Attributes, v.Merges)
        {
            BosId = v.BosId, EosId = v.EosId, AddBos = true, AddEos = true,
        };
        var tokenizer = Tokenizer.FromVocabulary(withFlags);
        int[] ids = tokenizer.Encode("Hello world", addSpecial: true);
        Assert.Equal([v.BosId, .. plain, v.EosId], ids);
        Assert.Equal(plain, tokenizer.Encode("Hello world", addSpecial: false));
    }

    [Fact]
    public void ParseSpecial_TurnsControlTokenTextIntoTheToken()
    {
        var tokenizer = Load("gpt-2");
        Assert.True(tokenizer.Vocabulary.TryGetId("<|endoftext|>", out int eot));
        int[] parsed = tokenizer.Encode("Hi<|endoftext|> there", parseSpecial: true);
        Assert.Equal([.. tokenizer.Encode("Hi"), eot, .. tokenizer.Encode(" there")], parsed);

        int[] literal = tokenizer.Encode("Hi<|endoftext|> there", parseSpecial: false);
        Assert.DoesNotContain(eot, literal);
        Assert.Equal("Hi<|endoftext|> there", Decode(tokenizer, literal));
        Assert.Equal("<|endoftext|>", Encoding.UTF8.GetString(tokenizer.TokenToPiece(eot, special: true)));
        Assert.True(tokenizer.TokenToPiece(eot).IsEmpty);
    }

    [Fact]
    public void UserDefinedTokens_AreSplitOutOfLongTexts()
    {
        // deepseek-llm has ~2,400 user-defined tokens; long texts go through the partitioner's prefilter.
        var tokenizer = Load("deepseek-llm");
        Assert.True(tokenizer.Vocabulary.TryGetId("[PAD100015]", out int pad));
        Assert.True(tokenizer.Vocabulary.TryGetId("ø", out int oSlash));
        string filler = string.Concat(Enumerable.Repeat("{\"type\": \"string\", \"pattern\": \"[A-Z]+\"}\n", 200));
        Assert.True(filler.Length > 4096);
        int[] ids = tokenizer.Encode(filler + "[PAD100015]" + filler + "ø" + filler);
        Assert.Equal([.. tokenizer.Encode(filler), pad, .. tokenizer.Encode(filler), oSlash, .. tokenizer.Encode(filler)], ids);
    }

    [Theory]
    [InlineData("gpt-2", "Hello, world. It's")] // clean_spaces on for gpt-2
    [InlineData("falcon", "Hello, world. It's")]
    [InlineData("deepseek-llm", "Hello , world . It 's")] // llama.cpp turns clean_spaces off for deepseek
    [InlineData("deepseek-coder", "Hello , world . It 's")]
    public void Decode_CleansSpacesAsLlamaCppDoesPerPreTokenizer(string name, string expected)
    {
        var tokenizer = Load(name);
        Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode("Hello , world . It 's")));
    }

    [Fact]
    public void UnknownPreTokenizer_ListsSupportedNames()
    {
        var v = Load("gpt-2").Vocabulary;
        var vocabulary = new Vocabulary("gpt2", "no-such-pre", v.Tokens, v.Scores, v.Attributes, v.Merges);
        var ex = Assert.Throws<NotSupportedException>(() => Tokenizer.FromVocabulary(vocabulary));
        Assert.Contains("no-such-pre", ex.Message);
        Assert.Contains("llama-bpe", ex.Message);
        Assert.Contains("qwen2", ex.Message);
    }

    [Theory]
    [InlineData("llama-bpe")]
    [InlineData("qwen2")]
    [InlineData("smollm")]
    [InlineData("command-r")]
    [InlineData("stablelm2")]
    [InlineData("olmo")]
    [InlineData("dbrx")]
    [InlineData("gpt-4o")]
    [InlineData("deepseek-v3")]
    [InlineData("tekken")]
    [InlineData("chatglm-bpe")]
    [InlineData("bloom")]
    [InlineData("poro-chat")]
    [InlineData("viking")]
    [InlineData("jais")]
    [InlineData("exaone")]
    [InlineData("minerva-7b")]
    [InlineData("smaug-bpe")]
    [InlineData("tiny_aya")]
    [InlineData("youtu")]
    [InlineData("exaone-moe")]
    [InlineData("jais-2")]
    public void CommonPreTokenizers_RoundTripOnGpt2Merges(string pre)
    {
        // Any pre-tokenizer over GPT-2's merges must still tile the text exactly.
        var v = Load("gpt-2").Vocabulary;
        var tokenizer = Tokenizer.FromVocabulary(new Vocabulary("gpt2", pre, v.Tokens, v.Scores, v.Attributes, v.Merges));
        foreach (var (text, _) in ReadVectors("gpt-2"))
            Assert.Equal(text, Decode(tokenizer, tokenizer.Encode(text)));
        foreach (string s in BpeRandomText.Strings(seed: 11, count: 200))
            Assert.Equal(s, Decode(tokenizer, tokenizer.Encode(s)));
    }

    [Fact]
    public void EveryListedPreTokenizer_Builds()
    {
        foreach (string name in PreTokenizers.SupportedNames) Assert.Equal(name, PreTokenizers.Create(name).TypeName);
    }

    private static bool CanSpell(Vocabulary vocabulary, string text)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (!vocabulary.TryGetId(ByteLevelAlphabet.Encode(b).ToString(), out _)) return false;
        }
        return true;
    }

    private static string Decode(Tokenizer tokenizer, int[] ids)
    {
        var bytes = new List<byte>();
        foreach (int id in ids) bytes.AddRange(tokenizer.TokenToPiece(id).ToArray());
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
