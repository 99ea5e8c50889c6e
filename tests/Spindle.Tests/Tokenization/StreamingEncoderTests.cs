using System.Text;
using System.Text.Json.Nodes;
using Spindle.Gguf;
using Spindle.Tokenization;
using Spindle.Tokenization.HuggingFace;

namespace Spindle.Tests.Tokenization;

/// <summary>
/// Streamed ids equal whole-text ids for every tokenizer kind, with chunk sizes small enough that nearly every safe cut
/// is taken; a text with no safe cut is cut by force (counted) or refused, as asked.
/// </summary>
public sealed class StreamingEncoderTests
{
    private static readonly int[] ChunkSizes = [1, 2, 3, 5, 8, 13, 64];

    private static readonly Dictionary<string, Tokenizer> Loaded = new(StringComparer.Ordinal);

    /// <summary>Every tokenizer the shared data holds: the vocab files, the models' own, and tinystories' tokenizer.json.</summary>
    public static TheoryData<string> TokenizerNames()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.EnumerateFiles(SharedData.PathOf("vocab"), "*.gguf").Order(StringComparer.Ordinal))
            data.Add("vocab/" + Path.GetFileName(path));
        data.Add("models/stories260K/stories260K.f32.gguf");
        data.Add("models/tinystories-656K/tinystories-656K.f16.gguf");
        data.Add("hf/tinystories-656K");
        return data;
    }

    internal static Tokenizer Load(string name)
    {
        lock (Loaded)
        {
            if (Loaded.TryGetValue(name, out var cached)) return cached;
            Tokenizer tokenizer;
            if (name == "hf/tinystories-656K") tokenizer = HfTokenizer.Load(SharedData.PathOf("models", "tinystories-656K", "hf", "tokenizer.json"));
            else
            {
                using var file = GgufFile.Open(SharedData.PathOf(name.Split('/')));
                tokenizer = Tokenizer.FromGguf(file);
            }
            return Loaded[name] = tokenizer;
        }
    }

    /// <summary>The shared test strings of every vocabulary, one after another, then the story.</summary>
    internal static string SharedText()
    {
        var sb = new StringBuilder();
        foreach (string path in Directory.EnumerateFiles(SharedData.PathOf("vocab"), "*.inp").Order(StringComparer.Ordinal))
            sb.Append(File.ReadAllText(path).Replace("\n__ggml_vocab_test__\n", "\n", StringComparison.Ordinal));
        sb.Append(File.ReadAllText(SharedData.PathOf("text", "story.txt")));
        return sb.ToString();
    }

    // Words, spaces and punctuation as prose has them, plus the pieces that stress pre-tokenizers.
    private static readonly string[] ProsePieces =
    [
        "the", " the", " cat", " sat", "Once", " upon", " a", " time", ",", ".", " ", "  ", "\n", "\n\n", "\r\n", "'s", " 123",
        "4567", " It", "!", "?", " \"Hi\"", "\t", "é", " naïve", " 日本", "😀", " <s>", "</s>", "<|endoftext|>", "[CLS]", " [SEP]",
    ];

    internal static IEnumerable<string> RandomTexts(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            string[] pieces = random.Next(2) == 0 ? ProsePieces : BpeRandomText.Pieces;
            int n = random.Next(0, 120);
            var sb = new StringBuilder();
            for (int k = 0; k < n; k++) sb.Append(pieces[random.Next(pieces.Length)]);
            yield return sb.ToString();
        }
    }

    internal static int[] Streamed(Tokenizer tokenizer, string text, int chunkChars, bool addSpecial = false, bool parseSpecial = false,
        int? maxPending = null) => Streamed(tokenizer, text, chunkChars, out _, addSpecial, parseSpecial, maxPending);

    internal static int[] Streamed(Tokenizer tokenizer, string text, int chunkChars, out int chunks, bool addSpecial = false,
        bool parseSpecial = false, int? maxPending = null)
    {
        var options = new StreamingEncodeOptions
        {
            ChunkChars = chunkChars, AddSpecial = addSpecial, ParseSpecial = parseSpecial,
            MaxPendingChars = maxPending ?? StreamingEncodeOptions.Default.MaxPendingChars,
            WhenNoSafeCut = ForcedCutPolicy.Throw,
        };
        var encoder = new StreamingEncoder(tokenizer, options);
        int[] ids = [.. encoder.Encode(new StringReader(text))];
        chunks = encoder.Chunks;
        return ids;
    }

    [Theory]
    [MemberData(nameof(TokenizerNames))]
    public void SharedStringsAndStoryStreamAsWhole(string name)
    {
        var tokenizer = Load(name);
        string text = SharedText();
        foreach (bool parseSpecial in (bool[])[false, true])
        {
            int[] whole = tokenizer.Encode(text, addSpecial: true, parseSpecial);
            foreach (int chunk in ChunkSizes)
            {
                Assert.Equal(whole, Streamed(tokenizer, text, chunk, out int chunks, addSpecial: true, parseSpecial));
                // Cuts are really taken (a stream that never cuts would pass trivially): prose has a safe place every
                // few words for every kind.
                if (chunk == 1) Assert.True(chunks > text.Length / 100, $"{chunks} chunks for {text.Length} chars");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TokenizerNames))]
    public void RandomTextsStreamAsWhole(string name)
    {
        var tokenizer = Load(name);
        int seed = 0;
        foreach (string text in RandomTexts(seed: 1234 + name.Length, count: 60))
        {
            bool parseSpecial = (seed++ & 1) == 0;
            int[] whole = tokenizer.Encode(text, addSpecial: false, parseSpecial);
            foreach (int chunk in ChunkSizes)
            {
                int[] streamed = Streamed(tokenizer, text, chunk, parseSpecial: parseSpecial);
                if (!whole.AsSpan().SequenceEqual(streamed))
                    Assert.Fail($"{name}, chunk {chunk}, parseSpecial {parseSpecial}: {JsonValue.Create(text).ToJsonString()}\nwhole    {string.Join(",", whole)}\nstreamed {string.Join(",", streamed)}");
            }
        }
    }

    /// <summary>Every llama.cpp pre-tokenizer this library knows, over the gpt-2 vocabulary (the cut rule is the pre-tokenizer's).</summary>
    public static TheoryData<string> PreTokenizerNames()
    {
        var data = new TheoryData<string>();
        foreach (string pre in Spindle.Tokenization.Bpe.PreTokenizers.SupportedNames) data.Add(pre);
        return data;
    }

    [Theory]
    [MemberData(nameof(PreTokenizerNames))]
    public void EveryBpePreTokenizerStreamsAsWhole(string pre)
    {
        var gpt2 = Load("vocab/ggml-vocab-gpt-2.gguf").Vocabulary;
        var vocabulary = new Vocabulary(gpt2.Model, pre, gpt2.Tokens, gpt2.Scores, gpt2.Attributes, gpt2.Merges)
        {
            BosId = gpt2.BosId, EosId = gpt2.EosId, UnknownId = gpt2.UnknownId,
        };
        var tokenizer = Tokenizer.FromVocabulary(vocabulary);
        foreach (string text in RandomTexts(seed: 99 + pre.Length, count: 40).Append(SharedText()))
        {
            int[] whole = tokenizer.Encode(text);
            foreach (int chunk in (int[])[1, 3, 16])
            {
                int[] streamed = Streamed(tokenizer, text, chunk);
                if (!whole.AsSpan().SequenceEqual(streamed))
                    Assert.Fail($"pre {pre}, chunk {chunk}: {JsonValue.Create(text).ToJsonString()}\nwhole    {string.Join(",", whole)}\nstreamed {string.Join(",", streamed)}");
            }
        }
    }

    /// <summary>tokenizer.json pipelines built from tinystories' vocabulary with other normalizers and pre-tokenizers.</summary>
    public static TheoryData<string, string> HfPipelines() => new()
    {
        { """{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}""", "null" },
        { """{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Lowercase"}]}""", """{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}""" },
        { """{"type":"NFKC"}""", """{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}""" },
        { "null", """{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},{"type":"Punctuation","behavior":"Isolated"},{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}]}""" },
        { """{"type":"Strip","strip_left":true,"strip_right":true}""", """{"type":"WhitespaceSplit"}""" },
        { "null", """{"type":"ByteLevel","add_prefix_space":true,"use_regex":true}""" },
        { """{"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"StripAccents"},{"type":"Lowercase"}]}""", """{"type":"Digits","individual_digits":false}""" },
    };

    [Theory]
    [MemberData(nameof(HfPipelines))]
    public void HfPipelinesStreamAsWhole(string normalizer, string preTokenizer)
    {
        var json = JsonNode.Parse(File.ReadAllText(SharedData.PathOf("models", "tinystories-656K", "hf", "tokenizer.json")))!.AsObject();
        json["normalizer"] = JsonNode.Parse(normalizer);
        json["pre_tokenizer"] = JsonNode.Parse(preTokenizer);
        var tokenizer = HfTokenizer.Parse(json.ToJsonString());
        foreach (string text in RandomTexts(seed: normalizer.Length + preTokenizer.Length, count: 40).Append(SharedText()))
        {
            int[] whole = tokenizer.Encode(text, addSpecial: true);
            foreach (int chunk in (int[])[1, 4, 32])
            {
                int[] streamed = Streamed(tokenizer, text, chunk, out int chunks, addSpecial: true);
                if (chunk == 1 && text.Length > 10_000) Assert.True(chunks > 20, $"{chunks} chunks for {text.Length} chars");
                if (!whole.AsSpan().SequenceEqual(streamed))
                    Assert.Fail($"chunk {chunk}: {JsonValue.Create(text).ToJsonString()}\nwhole    {string.Join(",", whole)}\nstreamed {string.Join(",", streamed)}");
            }
        }
    }

    [Fact]
    public void ATextWithNoSafeCutIsRefusedOrCutByForce()
    {
        var tokenizer = Load("vocab/ggml-vocab-gpt-2.gguf");
        string text = new('\0', 5000); // as /dev/zero: no space, no newline
        var refuse = new StreamingEncodeOptions { ChunkChars = 256, MaxPendingChars = 1024, WhenNoSafeCut = ForcedCutPolicy.Throw };
        var error = Assert.Throws<StreamingCutException>(() => tokenizer.EncodeStream(new StringReader(text), refuse).ToList());
        Assert.Equal(0, error.Offset);
        Assert.Contains("without a place to cut", error.Message);

        var encoder = new StreamingEncoder(tokenizer, refuse with { WhenNoSafeCut = ForcedCutPolicy.CutAtCharacter });
        int[] ids = [.. encoder.Encode(new StringReader(text))];
        Assert.True(encoder.ForcedCuts >= 4, $"{encoder.ForcedCuts} forced cuts");
        Assert.Equal(text.Length, encoder.CharsEncoded);
        Assert.Equal(text, tokenizer.Decode(ids)); // cut text still decodes to itself
    }

    [Fact]
    public void AForcedCutNeverSplitsASurrogatePair()
    {
        var tokenizer = Load("vocab/ggml-vocab-gpt-2.gguf"); // one word of symbols: the pre-tokenizer never splits it
        string text = string.Concat(Enumerable.Repeat("😀", 3000));
        var encoder = new StreamingEncoder(tokenizer, new StreamingEncodeOptions { ChunkChars = 100, MaxPendingChars = 333 });
        int[] ids = [.. encoder.Encode(new StringReader(text))];
        Assert.True(encoder.ForcedCuts > 10, $"{encoder.ForcedCuts} forced cuts");
        Assert.Equal(text, tokenizer.Decode(ids)); // a split pair would decode to U+FFFD
    }

    [Fact]
    public async Task AsyncStreamingGivesTheSameIds()
    {
        var tokenizer = Load("vocab/ggml-vocab-llama-spm.gguf");
        string text = SharedText();
        var ids = new List<int>();
        await foreach (int id in new StreamingEncoder(tokenizer, new StreamingEncodeOptions { ChunkChars = 7, AddSpecial = true }).EncodeAsync(new StringReader(text)))
            ids.Add(id);
        Assert.Equal(tokenizer.Encode(text, addSpecial: true), ids);
    }

    [Fact]
    public void Utf8StreamsAreDecodedAcrossReadBoundaries()
    {
        var tokenizer = Load("vocab/ggml-vocab-deepseek-llm.gguf");
        string text = SharedText();
        using var bytes = new MemoryStream(Encoding.UTF8.GetBytes(text));
        Assert.Equal(tokenizer.Encode(text), tokenizer.EncodeStream(bytes, new StreamingEncodeOptions { ChunkChars = 3 }).ToArray());
    }
}
