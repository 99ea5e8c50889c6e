using Spindle.Gguf;
using Spindle.Models.Quantization;
using Spindle.Tensors.Blocks;
namespace Spindle.Models.Synthetic;

/// <summary>
/// Writes a random-weight llama-architecture GGUF of a given <see cref="ModelShape"/>, with a real tokenizer copied from
/// another GGUF: llama.cpp's keys and tensor names, types mixed by <see cref="QuantizationPlan"/> as llama-quantize
/// would, tensors in its order. Rows are generated, quantized and written a chunk at a time, so a 1.1B-parameter file
/// needs no more memory than a chunk.
/// </summary>
public static class SyntheticModelWriter
{
    public const float RmsNormEpsilon = 1e-5f;
    public const float RopeFreqBase = 10000f;

    // GPT-2 / Llama style initialisation: N(0, 0.02) for matrices, with the two projections that add into the residual
    // stream (attn_output, ffn_down) scaled by 1/sqrt(2·layers) so the stream's variance stays bounded over depth.
    private const float InitStandardDeviation = 0.02f;

    /// <summary>Writes the model to <paramref name="outputPath"/>; a failed run leaves no file.</summary>
    public static void Write(ModelShape shape, GgufMetadata vocabulary, LlamaFileType fileType, string outputPath,
        ulong seed = 0, int threads = 1, IModelWriteObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ModelQuantizer.CheckOutputPath(outputPath);
        LlamaFileTypes.DefaultType(fileType);
        var metadata = BuildMetadata(shape, vocabulary, fileType);
        int vocabularySize = VocabularySize(vocabulary);
        var tensors = PlanTensors(shape, vocabularySize, fileType);

        try
        {
            using var writer = GgufWriter.Create(outputPath);
            writer.WriteHeader(metadata, tensors.Select(t => t.Descriptor).ToList());
            long total = tensors.Sum(t => t.RowLength * t.RowCount), done = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                observer?.TensorStarted(i, tensors.Count, t.Descriptor, GgmlType.F32);
                int tensorIndex = t.Index;
                float std = t.StandardDeviation;
                RowChunkWriter.RowSource rows = std == 0
                    ? static (_, destination) => destination.Fill(1f) // norm weights: the identity scale
                    : (row, destination) => SyntheticWeights.FillRow(seed, tensorIndex, row, std, destination);
                long before = done;
                RowChunkWriter.Write(writer, t.Descriptor.Type, t.RowLength, t.RowCount, rows, threads,
                    r => observer?.Progressed(before + r * t.RowLength, total));
                done += t.RowLength * t.RowCount;
                observer?.Progressed(done, total);
            }
            writer.Complete();
        }
        catch
        {
            File.Delete(outputPath);
            throw;
        }
    }

    /// <summary>The vocabulary's size: the length of <c>tokenizer.ggml.tokens</c>.</summary>
    public static int VocabularySize(GgufMetadata vocabulary) =>
        vocabulary.GetArrayOrNull(GgufKeys.Tokens)?.Count is int n && n > 0
            ? n
            : throw new GgufFormatException($"the vocabulary file has no {GgufKeys.Tokens}");

    /// <summary>llama.cpp's converter keys for a llama model, the vocabulary's tokenizer.* keys, then the quantization keys.</summary>
    public static GgufMetadata BuildMetadata(ModelShape shape, GgufMetadata vocabulary, LlamaFileType fileType)
    {
        var md = new GgufMetadata();
        md.Set(GgufKeys.Architecture, GgufValue.String("llama"));
        md.Set(GgufKeys.Name, GgufValue.String($"synthetic {shape.Name}"));
        md.Set("llama.context_length", GgufValue.UInt32((uint)shape.ContextLength));
        md.Set("llama.embedding_length", GgufValue.UInt32((uint)shape.EmbeddingLength));
        md.Set("llama.feed_forward_length", GgufValue.UInt32((uint)shape.FeedForwardLength));
        md.Set("llama.block_count", GgufValue.UInt32((uint)shape.LayerCount));
        md.Set("llama.attention.head_count", GgufValue.UInt32((uint)shape.HeadCount));
        md.Set("llama.attention.head_count_kv", GgufValue.UInt32((uint)shape.KvHeadCount));
        md.Set("llama.attention.layer_norm_rms_epsilon", GgufValue.Float32(RmsNormEpsilon));
        md.Set("llama.rope.freq_base", GgufValue.Float32(RopeFreqBase));
        md.Set("llama.rope.dimension_count", GgufValue.UInt32((uint)shape.HeadDimension));
        md.Set("llama.vocab_size", GgufValue.UInt32((uint)VocabularySize(vocabulary)));
        foreach (string key in vocabulary.Keys)
        {
            if (key.StartsWith("tokenizer.", StringComparison.Ordinal)) md.Set(key, vocabulary[key]);
        }
        ModelQuantizer.SetQuantizationKeys(md, fileType);
        return md;
    }

    /// <summary>One tensor to generate: its descriptor, rows, and the spread of its values (0 for norms, which are 1).</summary>
    internal sealed record SyntheticTensor(int Index, GgufTensorDescriptor Descriptor, float StandardDeviation)
    {
        public long RowLength => Descriptor.Dimensions[0];
        public long RowCount => Descriptor.Dimensions.Length > 1 ? Descriptor.Dimensions[1] : 1;
    }

    /// <summary>The model's tensors with llama.cpp's names and shapes ([row length, rows]), in llama-quantize's order and types.</summary>
    internal static List<SyntheticTensor> PlanTensors(ModelShape shape, int vocabularySize, LlamaFileType fileType)
    {
        long embd = shape.EmbeddingLength, kv = shape.KvEmbeddingLength, ff = shape.FeedForwardLength;
        float residualStd = InitStandardDeviation / MathF.Sqrt(2 * shape.LayerCount);
        var shapes = new Dictionary<string, (long[] Dimensions, float Std)>(StringComparer.Ordinal)
        {
            ["token_embd.weight"] = ([embd, vocabularySize], InitStandardDeviation),
            ["output_norm.weight"] = ([embd], 0f),
            ["output.weight"] = ([embd, vocabularySize], InitStandardDeviation),
        };
        for (int l = 0; l < shape.LayerCount; l++)
        {
            string p = $"blk.{l}.";
            shapes[p + "attn_norm.weight"] = ([embd], 0f);
            shapes[p + "attn_q.weight"] = ([embd, embd], InitStandardDeviation);
            shapes[p + "attn_k.weight"] = ([embd, kv], InitStandardDeviation);
            shapes[p + "attn_v.weight"] = ([embd, kv], InitStandardDeviation);
            shapes[p + "attn_output.weight"] = ([embd, embd], residualStd);
            shapes[p + "ffn_norm.weight"] = ([embd], 0f);
            shapes[p + "ffn_gate.weight"] = ([embd, ff], InitStandardDeviation);
            shapes[p + "ffn_up.weight"] = ([embd, ff], InitStandardDeviation);
            shapes[p + "ffn_down.weight"] = ([ff, embd], residualStd);
        }

        var names = QuantizationPlan.OrderLikeLlamaCpp(shapes.Keys);
        var plan = new QuantizationPlan(fileType, "llama", shape.LayerCount, shape.HeadCount / shape.KvHeadCount, names);
        var tensors = new List<SyntheticTensor>(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            var (dimensions, std) = shapes[names[i]];
            GgmlType type = QuantizationPlan.IsQuantizable(names[i], dimensions.Length)
                ? plan.TypeFor(names[i], dimensions[0])
                : GgmlType.F32;
            tensors.Add(new SyntheticTensor(i, new GgufTensorDescriptor(names[i], type, dimensions), std));
        }
        return tensors;
    }
}
