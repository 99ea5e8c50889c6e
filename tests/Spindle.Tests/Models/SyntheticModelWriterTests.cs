using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Models.Synthetic;
using Spindle.Models;
using Spindle.Tensors.Blocks;
using Spindle.Tokenization;

namespace Spindle.Tests.Models;

public sealed class SyntheticModelWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-synth-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string VocabPath(string vocab) => vocab == "stories260K"
        ? SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf")
        : SharedData.PathOf("vocab", $"ggml-vocab-{vocab}.gguf");

    [Theory]
    [InlineData("stories260K", "f32")]
    [InlineData("stories260K", "q4_0")]
    [InlineData("stories260K", "q4_k_m")]
    [InlineData("llama-spm", "q4_0")]
    public void Writes_a_loadable_llama_model(string vocab, string type)
    {
        var shape = ModelShape.Find("stories15m");
        var fileType = LlamaFileTypes.Parse(type);
        string output = Path.Combine(_directory, $"{vocab}.{type}.gguf");
        using var vocabulary = GgufFile.Open(VocabPath(vocab));
        SyntheticModelWriter.Write(shape, vocabulary.Metadata, fileType, output, seed: 7, threads: 2);

        using var model = GgufFile.Open(output);
        int nVocab = vocabulary.Metadata.GetArrayOrNull(GgufKeys.Tokens)!.Count;
        var md = model.Metadata;
        Assert.Equal("llama", model.Architecture);
        Assert.Equal(288, md.GetRequiredInt32("llama.embedding_length"));
        Assert.Equal(6, md.GetRequiredInt32("llama.block_count"));
        Assert.Equal(768, md.GetRequiredInt32("llama.feed_forward_length"));
        Assert.Equal(48, md.GetRequiredInt32("llama.rope.dimension_count"));
        Assert.Equal(256, md.GetRequiredInt32("llama.context_length"));
        Assert.Equal((int)fileType, md.GetRequiredInt32(GgufKeys.FileType));
        Assert.Equal(1e-5f, (float)md.GetDoubleOrNull("llama.attention.layer_norm_rms_epsilon")!);
        foreach (string key in vocabulary.Metadata.Keys.Where(k => k.StartsWith("tokenizer.", StringComparison.Ordinal)))
            Assert.Equal(GgufComparison.Text(vocabulary.Metadata[key]), GgufComparison.Text(md[key]));

        Assert.Equal(3 + 9 * 6, model.Tensors.Count);
        Assert.Equal([288L, nVocab], model.GetTensor("token_embd.weight").Dimensions);
        Assert.Equal([288L, nVocab], model.GetTensor("output.weight").Dimensions);
        Assert.Equal([288L], model.GetTensor("output_norm.weight").Dimensions);
        Assert.Equal([288L, 288L], model.GetTensor("blk.5.attn_q.weight").Dimensions);
        Assert.Equal([288L, 288L], model.GetTensor("blk.5.attn_k.weight").Dimensions);
        Assert.Equal([288L, 768L], model.GetTensor("blk.0.ffn_gate.weight").Dimensions);
        Assert.Equal([768L, 288L], model.GetTensor("blk.0.ffn_down.weight").Dimensions);
        Assert.Equal(GgmlType.F32, model.GetTensor("blk.3.ffn_norm.weight").Type);

        // Types follow llama-quantize's recipe for this model, in its tensor order.
        var names = QuantizationPlan.OrderLikeLlamaCpp(model.Tensors.Select(t => t.Name));
        Assert.Equal(names, model.Tensors.Select(t => t.Name));
        var plan = new QuantizationPlan(fileType, "llama", 6, 1, names);
        foreach (var t in model.Tensors)
        {
            var planned = QuantizationPlan.IsQuantizable(t.Name, t.Dimensions.Length) ? plan.TypeFor(t.Name, t.RowLength) : GgmlType.F32;
            Assert.Equal(planned, t.Type);
        }
        if (type == "q4_k_m") Assert.Contains(model.Tensors, t => t.Type == GgmlType.Q6_K);
        if (type == "q4_0") Assert.Equal(GgmlType.Q4_0, model.GetTensor("blk.0.attn_q.weight").Type);

        var tokenizer = Tokenizer.FromGguf(model);
        Assert.Equal(nVocab, tokenizer.Vocabulary.Count);
        int[] prompt = tokenizer.Encode("Once upon a time", addSpecial: true);
        Assert.NotEmpty(prompt);

        // Every layer's activations stay finite: the logits of a whole prompt are finite and not all equal.
        using var loaded = Model.Load(output, new ModelOptions { ThreadCount = 2 });
        var session = new InferenceSession(loaded);
        var logits = new float[prompt.Length * nVocab];
        session.Evaluate(prompt, logits);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        Assert.True(logits.Max() > logits.Min());
    }

    /// <summary>
    /// llama.cpp cannot be built here, so its loader's expectations are checked against a file it wrote itself: every
    /// hyper-parameter key of the conformance llama file is present with the same GGUF value type (llama.cpp's
    /// get_key rejects a uint32 where it expects a float32, for instance), and tensors have the same names per layer,
    /// the same types for norms, and the same dimension order.
    /// </summary>
    [Fact]
    public void Keys_value_types_and_tensor_layout_match_a_file_llama_cpp_wrote()
    {
        string output = Path.Combine(_directory, "synth.f32.gguf");
        using (var vocabulary = GgufFile.Open(VocabPath("stories260K")))
            SyntheticModelWriter.Write(ModelShape.Find("stories15m"), vocabulary.Metadata, LlamaFileTypes.Parse("f32"), output, seed: 3, threads: 2);
        using var synth = GgufFile.Open(output);
        using var reference = GgufFile.Open(SharedData.PathOf("conformance", "llama.f32.gguf"));

        foreach (string key in reference.Metadata.Keys)
        {
            if (key.StartsWith("tokenizer.", StringComparison.Ordinal) || key == "general.name") continue;
            Assert.True(synth.Metadata.TryGetValue(key, out var value), $"synth file lacks {key}");
            var expected = reference.Metadata[key];
            Assert.True(expected.Type == value.Type, $"{key}: {value.Type} where llama.cpp wrote {expected.Type}");
        }

        static string Layer(string name) => System.Text.RegularExpressions.Regex.Replace(name, @"^blk\.\d+\.", "blk.N.");
        var referenceNames = reference.Tensors.Select(t => Layer(t.Name)).ToHashSet();
        var synthNames = synth.Tensors.Select(t => Layer(t.Name)).ToHashSet();
        Assert.Equal(referenceNames.Order(), synthNames.Order());
        foreach (var t in reference.Tensors)
        {
            var other = synth.GetTensor(t.Name);
            Assert.Equal(t.Type, other.Type);
            Assert.Equal(t.Dimensions.Length, other.Dimensions.Length);
        }
        // The same dimension order: [n_embd, n_vocab] for the embedding, [n_ff, n_embd] for ffn_down.
        Assert.Equal(synth.Metadata.GetRequiredInt32("llama.embedding_length"), synth.GetTensor("token_embd.weight").Dimensions[0]);
        Assert.Equal(synth.Metadata.GetRequiredInt32("llama.feed_forward_length"), synth.GetTensor("blk.0.ffn_down.weight").Dimensions[0]);
    }

    [Fact]
    public void Weights_are_scaled_like_an_initialisation_and_norms_are_one()
    {
        string output = Path.Combine(_directory, "stats.gguf");
        using var vocabulary = GgufFile.Open(VocabPath("stories260K"));
        SyntheticModelWriter.Write(ModelShape.Find("stories15m"), vocabulary.Metadata, LlamaFileType.AllF32, output, seed: 1, threads: 1);
        using var model = GgufFile.Open(output);

        var norm = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.GetTensorData(model.GetTensor("blk.2.attn_norm.weight")));
        Assert.All(norm.ToArray(), v => Assert.Equal(1f, v));

        var q = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.GetTensorData(model.GetTensor("blk.0.attn_q.weight")));
        double sum = 0, sumSquares = 0;
        foreach (float v in q) { Assert.True(float.IsFinite(v)); sum += v; sumSquares += (double)v * v; }
        double mean = sum / q.Length, std = Math.Sqrt(sumSquares / q.Length - mean * mean);
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.0195, 0.0205);
        // Different rows and tensors get different values.
        Assert.NotEqual(q[0], q[288]);
        var k = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.GetTensorData(model.GetTensor("blk.0.attn_k.weight")));
        Assert.NotEqual(q[0], k[0]);
    }

    [Fact]
    public void Same_seed_gives_the_same_file_for_any_thread_count()
    {
        using var vocabulary = GgufFile.Open(VocabPath("stories260K"));
        string one = Path.Combine(_directory, "one.gguf"), two = Path.Combine(_directory, "two.gguf"), other = Path.Combine(_directory, "other.gguf");
        var shape = ModelShape.Find("stories15m");
        SyntheticModelWriter.Write(shape, vocabulary.Metadata, LlamaFileType.MostlyQ8_0, one, seed: 3, threads: 1);
        SyntheticModelWriter.Write(shape, vocabulary.Metadata, LlamaFileType.MostlyQ8_0, two, seed: 3, threads: 2);
        SyntheticModelWriter.Write(shape, vocabulary.Metadata, LlamaFileType.MostlyQ8_0, other, seed: 4, threads: 2);
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(two));
        Assert.NotEqual(File.ReadAllBytes(one), File.ReadAllBytes(other));
    }
}
