using System.Runtime.InteropServices;
using Spindle.Generation;
using Spindle.Gguf;
using Spindle.Models;
using Spindle.Models.HuggingFace;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
using Spindle.Tokenization;
using Spindle.Tokenization.HuggingFace;

namespace Spindle.Tests.Models.HuggingFace;

/// <summary>
/// tinystories-656K's Hugging Face folder loaded directly: its tokenizer, its logits against llama.cpp's, its weights
/// against the GGUF llama.cpp's converter made from it, and the GGUF `spindle convert` makes from it.
/// </summary>
public sealed class HfCheckpointTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-hf-convert-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Folder => TempCheckpoint.SharedFolder;
    private static string PublishedF16 => SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.f16.gguf");
    private static string Story => File.ReadAllText(SharedData.PathOf("text", "story.txt"));

    /// <summary>What the merges give on story.txt with 128-token chunks (shared/README.md).</summary>
    private const double MergesPerplexity = 18.4;

    /// <summary>Teacher-forced logits of every position, one batch (the conformance tests' way).</summary>
    internal static float[] PromptLogits(Model model, int[] prompt)
    {
        var logits = new float[prompt.Length * model.Config.VocabSize];
        model.Forward(prompt, ModelConformanceTests.Positions(0, prompt.Length), model.CreateCache(), logits, allLogits: true);
        return logits;
    }

    private static double StoryPerplexity(SpindleModel model, out int[] tokens)
    {
        tokens = model.Tokenizer.Encode(Story, addSpecial: true);
        return PerplexityEvaluator.Evaluate(model.Model, tokens, 128, model.Vocabulary.BosId).Perplexity;
    }

    [Fact]
    public void Folder_tokenizer_encodes_once_upon_a_time_after_bos()
    {
        using var model = SpindleModel.Load(Folder, new SpindleModelOptions { ThreadCount = 1 });
        Assert.IsType<HfBpeTokenizer>(model.Tokenizer);
        Assert.Equal([1, 80, 147, 201, 282, 57], model.EncodePrompt("Once upon a time"));
        Assert.Equal(2, model.Vocabulary.EosId);
        Assert.True(model.Vocabulary.IsEndOfGeneration(2));
    }

    [Fact]
    public void Folder_describes_the_model_as_llama_cpp_s_converter_did()
    {
        using var view = HfCheckpoint.Open(Folder);
        using var published = GgufFile.Open(PublishedF16);
        Assert.True(view.IsView);
        foreach (string key in new[] { "block_count", "context_length", "embedding_length", "feed_forward_length", "attention.head_count",
                     "attention.head_count_kv", "vocab_size", "rope.dimension_count" })
            Assert.Equal(published.Metadata.GetInt64OrNull("llama." + key), view.Metadata.GetInt64OrNull("llama." + key));
        foreach (string key in new[] { "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon" })
            Assert.Equal(published.Metadata.GetDoubleOrNull(key), view.Metadata.GetDoubleOrNull(key));
        Assert.Equal(published.Metadata.GetArrayOrNull(GgufKeys.Tokens)!.As<string>(), view.Metadata.GetArrayOrNull(GgufKeys.Tokens)!.As<string>());
        Assert.Equal(published.Metadata.GetArrayOrNull(GgufKeys.TokenTypes)!.ToInt32Array(), view.Metadata.GetArrayOrNull(GgufKeys.TokenTypes)!.ToInt32Array());
        foreach (string key in new[] { GgufKeys.BosTokenId, GgufKeys.EosTokenId, GgufKeys.UnknownTokenId, GgufKeys.PaddingTokenId })
            Assert.Equal(published.Metadata.GetInt64OrNull(key), view.Metadata.GetInt64OrNull(key));
        Assert.Equal(published.Tensors.Select(t => t.Name), view.Tensors.Select(t => t.Name)); // same order, no output.weight (tied)
    }

    /// <summary>
    /// Every tensor of the view, rounded to F16, is the published f16 GGUF's byte for byte: names, shapes, and the Q/K
    /// row order are llama.cpp's converter's.
    /// </summary>
    [Fact]
    public void Folder_tensors_round_to_the_published_f16_gguf()
    {
        using var view = HfCheckpoint.Open(Folder);
        using var published = GgufFile.Open(PublishedF16);
        Assert.Equal(published.Tensors.Count, view.Tensors.Count);
        foreach (var expected in published.Tensors)
        {
            var actual = view.GetTensor(expected.Name);
            Assert.Equal(expected.Dimensions, actual.Dimensions);
            Assert.Equal(GgmlType.F32, actual.Type);
            var floats = MemoryMarshal.Cast<byte, float>(view.GetTensorData(actual));
            if (expected.Type == GgmlType.F32)
            {
                Assert.True(floats.SequenceEqual(MemoryMarshal.Cast<byte, float>(published.GetTensorData(expected))), expected.Name);
                continue;
            }
            Assert.Equal(GgmlType.F16, expected.Type);
            var halves = MemoryMarshal.Cast<byte, Half>(published.GetTensorData(expected));
            int differ = 0;
            for (int i = 0; i < floats.Length; i++) if ((Half)floats[i] != halves[i]) differ++;
            Assert.True(differ == 0, $"{expected.Name}: {differ} of {floats.Length} values differ from the published file");
        }
    }

    [Fact]
    public void Folder_head_is_the_tied_embedding()
    {
        using var model = Model.Load(Folder, new ModelOptions { ThreadCount = 1 });
        Assert.True(model.Weights.IsOutputTied);
        Assert.Null(model.File.FindTensor("output.weight"));
        Assert.Equal(2048, model.Config.VocabSize);
        Assert.Equal(ModelArchitecture.Llama, model.Config.Architecture);
    }

    [Fact]
    public void Folder_logits_match_llama_cpp()
    {
        var f16 = ReferenceModels.Find("models/tinystories-656K/tinystories-656K.f16.gguf");
        var q8 = ReferenceModels.Find("models/tinystories-656K/tinystories-656K.q8_0.gguf");
        using var folder = Model.Load(Folder, new ModelOptions { ThreadCount = 1 });
        using var publishedF16 = Model.Load(f16.GgufPath, new ModelOptions { ThreadCount = 1 });
        float[] logits = PromptLogits(folder, ReferenceModels.TinyStoriesPrompt);
        var vsF16 = LogitsComparison.Compare(ReferenceModels.ReadLogits(f16), logits, 2048);
        var vsQ8 = LogitsComparison.Compare(ReferenceModels.ReadLogits(q8), logits, 2048);
        var baseline = LogitsComparison.Compare(ReferenceModels.ReadLogits(f16), PromptLogits(publishedF16, ReferenceModels.TinyStoriesPrompt), 2048);
        output.WriteLine($"folder (F32) vs llama.cpp f16: {vsF16}; vs llama.cpp q8_0: {vsQ8}; Spindle on the f16 file vs llama.cpp f16: {baseline}");
        // The reference ran F16 weights: the folder's F32 weights differ from them by F16 rounding only.
        Assert.True(vsF16.MaxAbsDelta <= f16.MaxAbsDelta, vsF16.ToString());
        Assert.True(vsF16.MeanKl <= f16.MaxMeanKl, vsF16.ToString());
        Assert.Equal(vsF16.Rows, vsF16.Top1Agreements);
        Assert.True(vsQ8.MeanKl <= q8.MaxMeanKl, vsQ8.ToString());
    }

    [Fact]
    public void Folder_perplexity_follows_the_merges()
    {
        using var model = SpindleModel.Load(Folder, new SpindleModelOptions { ThreadCount = 1 });
        double ppl = StoryPerplexity(model, out _);
        output.WriteLine($"story.txt, 128-token chunks: {ppl:F4}");
        Assert.InRange(ppl, MergesPerplexity * 0.98, MergesPerplexity * 1.02);
    }

    [Fact]
    public void Tokenizer_option_gives_the_published_gguf_its_merges()
    {
        string tokenizer = Path.Combine(Folder, "tokenizer.json");
        using var withMerges = SpindleModel.Load(PublishedF16, new SpindleModelOptions { ThreadCount = 1, TokenizerPath = tokenizer });
        using var asPublished = SpindleModel.Load(PublishedF16, new SpindleModelOptions { ThreadCount = 1 });
        double merged = StoryPerplexity(withMerges, out _), table = StoryPerplexity(asPublished, out _);
        output.WriteLine($"published f16 GGUF: {table:F2} with its score-less table, {merged:F2} with --tokenizer tokenizer.json");
        Assert.InRange(merged, MergesPerplexity * 0.98, MergesPerplexity * 1.02);
        Assert.True(table > 100, $"the score-less table should tokenize differently (llama.cpp: 127), got {table:F2}");
    }

    [Fact]
    public void Tokenizer_with_more_ids_than_the_model_is_refused()
    {
        // stories260K embeds 512 tokens; tinystories' tokenizer has 2048.
        var e = Assert.Throws<FormatException>(() => SpindleModel.Load(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"),
            new SpindleModelOptions { ThreadCount = 1, TokenizerPath = Folder }).Dispose());
        Assert.Contains("2048 token ids but the model has 512", e.Message);
    }

    /// <summary>F16 and BF16 checkpoints bind in place with their own ggml types and stay close to the F32 original.</summary>
    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Half_precision_checkpoints_load(string dtype)
    {
        using var c = TempCheckpoint.Copy();
        c.EditTensors(t => t.Select(e =>
        {
            var floats = MemoryMarshal.Cast<byte, float>(e.Data);
            var bytes = new byte[floats.Length * 2];
            var halves = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
            for (int i = 0; i < floats.Length; i++)
                halves[i] = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)floats[i]) : (ushort)(BitConverter.SingleToUInt32Bits(floats[i]) >> 16);
            return e with { DType = dtype, Data = bytes };
        }));
        using var model = Model.Load(c.Path, new ModelOptions { ThreadCount = 1 });
        var expected = dtype == "F16" ? GgmlType.F16 : GgmlType.BF16;
        Assert.Equal(expected, model.File.GetTensor("blk.0.attn_q.weight").Type);
        Assert.Equal(dtype == "F16" ? 1 : 32, model.File.Metadata.GetRequiredInt32(GgufKeys.FileType));
        using var f32 = Model.Load(Folder, new ModelOptions { ThreadCount = 1 });
        var cmp = LogitsComparison.Compare(PromptLogits(f32, ReferenceModels.TinyStoriesPrompt), PromptLogits(model, ReferenceModels.TinyStoriesPrompt), 2048);
        output.WriteLine($"{dtype} checkpoint vs F32: {cmp}");
        Assert.True(cmp.MeanKl < (dtype == "F16" ? 1e-4 : 1e-2), cmp.ToString());
    }

    [Fact]
    public void Sharded_folder_loads_the_same_model()
    {
        using var sharded = TempCheckpoint.Copy();
        var entries = SafetensorsBytes.ReadAll(sharded.File("model.safetensors"));
        File.Delete(sharded.File("model.safetensors"));
        var map = new System.Text.Json.Nodes.JsonObject();
        for (int part = 0; part < 2; part++)
        {
            string name = $"model-0000{part + 1}-of-00002.safetensors";
            var mine = entries.Where((_, i) => i % 2 == part).ToList();
            File.WriteAllBytes(sharded.File(name), SafetensorsBytes.Build(mine));
            foreach (var e in mine) map[e.Name] = name;
        }
        File.WriteAllText(sharded.File("model.safetensors.index.json"), new System.Text.Json.Nodes.JsonObject { ["weight_map"] = map }.ToJsonString());

        using var single = Model.Load(Folder, new ModelOptions { ThreadCount = 1 });
        using var split = Model.Load(sharded.Path, new ModelOptions { ThreadCount = 1 });
        Assert.Equal(PromptLogits(single, ReferenceModels.TinyStoriesPrompt), PromptLogits(split, ReferenceModels.TinyStoriesPrompt));
    }

    [Fact]
    public void F32_conversion_is_the_folder_byte_for_byte()
    {
        string path = Path.Combine(_directory, "ts.f32.gguf");
        HfConverter.Convert(Folder, path, LlamaFileType.AllF32);
        using var view = HfCheckpoint.Open(Folder);
        using var converted = GgufFile.Open(path);
        Assert.Equal(view.Tensors.Count, converted.Tensors.Count);
        foreach (var t in view.Tensors)
            Assert.True(view.GetTensorData(t).SequenceEqual(converted.GetTensorData(converted.GetTensor(t.Name))), t.Name);
        using var a = Model.Load(Folder, new ModelOptions { ThreadCount = 1 });
        using var b = Model.Load(path, new ModelOptions { ThreadCount = 1 });
        Assert.Equal(PromptLogits(a, ReferenceModels.TinyStoriesPrompt), PromptLogits(b, ReferenceModels.TinyStoriesPrompt));
    }

    [Fact]
    public void F16_conversion_keeps_the_tokenizer_and_the_perplexity()
    {
        string path = Path.Combine(_directory, "ts.f16.gguf");
        HfConverter.Convert(Folder, path); // the default type, F16
        using (var file = GgufFile.Open(path))
        {
            var md = file.Metadata;
            Assert.Equal((int)LlamaFileType.MostlyF16, md.GetRequiredInt32(GgufKeys.FileType));
            Assert.Equal(GgmlType.F16, file.GetTensor("token_embd.weight").Type);
            Assert.Equal(GgmlType.F32, file.GetTensor("output_norm.weight").Type);
            Assert.Null(file.FindTensor("output.weight"));
            Assert.Equal("llama", md.GetStringOrNull(GgufKeys.TokenizerModel));
            Assert.Equal(File.ReadAllText(Path.Combine(Folder, "tokenizer.json")), md.GetStringOrNull(GgufKeys.HuggingFaceJson));
            Assert.IsType<HfBpeTokenizer>(Tokenizer.FromGguf(file));
        }
        using var folder = SpindleModel.Load(Folder, new SpindleModelOptions { ThreadCount = 1 });
        using var converted = SpindleModel.Load(path, new SpindleModelOptions { ThreadCount = 1 });
        double a = StoryPerplexity(folder, out int[] folderTokens), b = StoryPerplexity(converted, out int[] convertedTokens);
        output.WriteLine($"story.txt perplexity: folder {a:F4}, converted f16 {b:F4}");
        Assert.Equal(folderTokens, convertedTokens);
        Assert.InRange(b, a * 0.999, a * 1.001);
        var cmp = LogitsComparison.Compare(PromptLogits(folder.Model, ReferenceModels.TinyStoriesPrompt), PromptLogits(converted.Model, ReferenceModels.TinyStoriesPrompt), 2048);
        output.WriteLine($"converted f16 vs folder: {cmp}");
        Assert.True(cmp.MaxAbsDelta < 0.05 && cmp.Top1Agreements == cmp.Rows, cmp.ToString());
    }

    [Fact]
    public void Greedy_generation_is_the_same_from_the_folder_and_the_conversion()
    {
        string path = Path.Combine(_directory, "ts.f16.gguf");
        HfConverter.Convert(Folder, path);
        var options = new GenerationOptions { MaxTokens = 40, Sampling = new Spindle.Sampling.SamplingOptions { Temperature = 0 } };
        string Generate(string model)
        {
            using var m = SpindleModel.Load(model, new SpindleModelOptions { ThreadCount = 1 });
            return string.Concat(m.GenerateAsync("Once upon a time", options).ToBlockingEnumerable().Select(c => c.Text));
        }
        string fromFolder = Generate(Folder), fromGguf = Generate(path);
        output.WriteLine(fromFolder);
        Assert.True(fromFolder.Length > 80);
        Assert.Equal(fromFolder, fromGguf);
    }

    [Fact]
    public void Quantized_conversion_runs()
    {
        string path = Path.Combine(_directory, "ts.q8_0.gguf");
        HfConverter.Convert(Folder, path, LlamaFileType.MostlyQ8_0, threads: 2);
        using var model = SpindleModel.Load(path, new SpindleModelOptions { ThreadCount = 1 });
        Assert.Equal(GgmlType.Q8_0, model.Model.File.GetTensor("blk.0.attn_q.weight").Type);
        double ppl = StoryPerplexity(model, out _);
        output.WriteLine($"q8_0 conversion: {ppl:F4}");
        Assert.InRange(ppl, MergesPerplexity * 0.97, MergesPerplexity * 1.03);
    }
}
