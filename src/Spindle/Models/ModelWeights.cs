using Spindle.Gguf;
using Spindle.Tensors.Kernels;
namespace Spindle.Models;

/// <summary>All tensors of a model, bound in place to the GGUF mapping and validated against its <see cref="ModelConfig"/>.</summary>
public sealed class ModelWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }
    public required WeightVector OutputNorm { get; init; }
    /// <summary>The LM head; the token embedding itself when the file has no <c>output.weight</c> (tied).</summary>
    public required WeightMatrix Output { get; init; }
    public required LayerWeights[] Layers { get; init; }
    /// <summary>Per rotated pair, a divisor of the RoPE frequency (Llama 3.1+ long-context scaling), or null.</summary>
    public WeightVector? RopeFrequencyFactors { get; init; }

    public bool IsOutputTied => ReferenceEquals(Output, TokenEmbedding);

    /// <summary>Binds and validates every tensor the architecture needs.</summary>
    public static ModelWeights Bind(GgufFile file, ModelConfig config)
    {
        var b = new TensorBinder(file);
        int e = config.EmbeddingLength;
        // Without output.weight the embedding is also the LM head, which is multiplied; otherwise it is only looked up.
        bool tied = file.FindTensor("output.weight") is null;
        var embedding = b.Matrix("token_embd.weight", e, config.VocabSize, interleave: tied);
        // Every layer binds several tensors, so a block count above the file's tensor count cannot be right; checked
        // before the array is sized by it (a block_count of 2^31 − 1 would otherwise be an OutOfMemoryException).
        if (config.LayerCount > file.Tensors.Count)
            throw new ModelFormatException(
                $"metadata '{config.Architecture.GgufName()}.{GgufKeys.BlockCount}' = {config.LayerCount} layers, but the file has only {file.Tensors.Count} tensors");
        var layers = new LayerWeights[config.LayerCount];
        for (int i = 0; i < layers.Length; i++) layers[i] = BindLayer(b, config, $"blk.{i}.");
        return new ModelWeights
        {
            TokenEmbedding = embedding,
            OutputNorm = b.Vector("output_norm.weight", e),
            Output = b.OptionalMatrix("output.weight", e, config.VocabSize) ?? embedding,
            Layers = layers,
            RopeFrequencyFactors = b.OptionalVector("rope_freqs.weight", config.RopeDimensionCount / 2),
        };
    }

    private static LayerWeights BindLayer(TensorBinder b, ModelConfig c, string p)
    {
        int e = c.EmbeddingLength;
        bool fused = c.Architecture == ModelArchitecture.Phi3;
        bool biases = c.Architecture == ModelArchitecture.Qwen2;
        return new LayerWeights
        {
            AttentionNorm = b.Vector(p + "attn_norm.weight", e),
            FusedQkv = fused ? b.Matrix(p + "attn_qkv.weight", e, c.QueryWidth + c.KeyWidth + c.ValueWidth) : null,
            Query = fused ? null : b.Matrix(p + "attn_q.weight", e, c.QueryWidth),
            Key = fused ? null : b.Matrix(p + "attn_k.weight", e, c.KeyWidth),
            Value = fused ? null : b.Matrix(p + "attn_v.weight", e, c.ValueWidth),
            // Qwen2 always has them; other files may carry them too, and llama.cpp then uses them.
            QueryBias = biases ? b.Vector(p + "attn_q.bias", c.QueryWidth) : b.OptionalVector(p + "attn_q.bias", c.QueryWidth),
            KeyBias = biases ? b.Vector(p + "attn_k.bias", c.KeyWidth) : b.OptionalVector(p + "attn_k.bias", c.KeyWidth),
            ValueBias = biases ? b.Vector(p + "attn_v.bias", c.ValueWidth) : b.OptionalVector(p + "attn_v.bias", c.ValueWidth),
            AttentionOutput = b.Matrix(p + "attn_output.weight", c.AttentionOutputWidth, e),
            FeedForwardNorm = b.Vector(p + "ffn_norm.weight", e),
            Gate = fused ? null : b.Matrix(p + "ffn_gate.weight", e, c.FeedForwardLength),
            Up = b.Matrix(p + "ffn_up.weight", e, fused ? 2 * c.FeedForwardLength : c.FeedForwardLength),
            Down = b.Matrix(p + "ffn_down.weight", c.FeedForwardLength, e),
        };
    }
}
