using Spindle.Gguf;
using Spindle.Tensors.Ops;
namespace Spindle.Models;

/// <summary>
/// Hyper-parameters of a decoder-only transformer, read from GGUF metadata (<c>{arch}.*</c> keys) with llama.cpp's
/// defaults where a key is optional.
/// </summary>
public sealed record ModelConfig(
    ModelArchitecture Architecture,
    int EmbeddingLength,
    int LayerCount,
    int HeadCount,
    int KvHeadCount,
    int KeyHeadDim,
    int ValueHeadDim,
    int FeedForwardLength,
    int VocabSize,
    int ContextLength,
    float RmsEpsilon,
    float RopeFreqBase,
    int RopeDimensionCount,
    RopeKind RopeKind,
    float RopeFreqScale = 1.0f)
{
    /// <summary>Width of all query heads: HeadCount × KeyHeadDim.</summary>
    public int QueryWidth => HeadCount * KeyHeadDim;

    /// <summary>Width of one token's keys in the cache: KvHeadCount × KeyHeadDim.</summary>
    public int KeyWidth => KvHeadCount * KeyHeadDim;

    public int ValueWidth => KvHeadCount * ValueHeadDim;

    /// <summary>Width of the concatenated attention heads fed to attn_output: HeadCount × ValueHeadDim.</summary>
    public int AttentionOutputWidth => HeadCount * ValueHeadDim;

    /// <summary>Factor applied to token embeddings: sqrt(n_embd) for Gemma, else 1.</summary>
    public float EmbeddingScale => Architecture == ModelArchitecture.Gemma ? MathF.Sqrt(EmbeddingLength) : 1.0f;

    /// <summary>Reads the configuration; <paramref name="vocabSize"/> comes from the embedding tensor.</summary>
    public static ModelConfig FromMetadata(GgufMetadata metadata, int vocabSize)
    {
        var architecture = ModelArchitectures.Parse(metadata.Architecture);
        string arch = architecture.GgufName();
        int Required(string suffix)
        {
            string key = $"{arch}.{suffix}";
            int value;
            try
            {
                value = metadata.GetRequiredInt32(key);
            }
            catch (GgufFormatException e)
            {
                throw new ModelFormatException(e.Message);
            }
            if (value <= 0) throw new ModelFormatException($"metadata '{key}' = {value} must be positive");
            return value;
        }
        int Optional(string suffix, int fallback)
        {
            long? v = metadata.GetInt64OrNull($"{arch}.{suffix}");
            if (v is null) return fallback;
            if (v <= 0 || v > int.MaxValue) throw new ModelFormatException($"metadata '{arch}.{suffix}' = {v} is out of range");
            return (int)v;
        }

        int embd = Required(GgufKeys.EmbeddingLength);
        int layers = Required(GgufKeys.BlockCount);
        int heads = Required(GgufKeys.HeadCount);
        int kvHeads = Optional(GgufKeys.HeadCountKv, heads);
        int ff = Required(GgufKeys.FeedForwardLength);
        int context = Required(GgufKeys.ContextLength);
        if (embd % heads != 0 && metadata.GetInt64OrNull($"{arch}.{GgufKeys.KeyLength}") is null)
            throw new ModelFormatException($"embedding length {embd} is not a multiple of the head count {heads}");
        int keyDim = Optional(GgufKeys.KeyLength, embd / heads);
        int valueDim = Optional(GgufKeys.ValueLength, embd / heads);
        if (heads % kvHeads != 0)
            throw new ModelFormatException($"head count {heads} is not a multiple of the KV head count {kvHeads}");
        // The widths derived from these (heads × head size) size tensors and buffers: they must fit an int, or a
        // hostile file could make one wrap around to a small number that matches a tensor's shape.
        if ((long)heads * Math.Max(keyDim, valueDim) > int.MaxValue / 4)
            throw new ModelFormatException($"head count {heads} × head size {Math.Max(keyDim, valueDim)} is too large");
        int ropeDims = Optional(GgufKeys.RopeDimensionCount, keyDim);
        if (ropeDims > keyDim || ropeDims % 2 != 0)
            throw new ModelFormatException($"rope dimension count {ropeDims} must be even and at most the head size {keyDim}");
        float eps = (float)(metadata.GetDoubleOrNull($"{arch}.{GgufKeys.LayerNormRmsEpsilon}") ?? 1e-5);
        float freqBase = (float)(metadata.GetDoubleOrNull($"{arch}.{GgufKeys.RopeFreqBase}") ?? 10000.0);
        return new ModelConfig(architecture, embd, layers, heads, kvHeads, keyDim, valueDim, ff, vocabSize, context,
            eps, freqBase, ropeDims, architecture.RopeKind(), ReadRopeFreqScale(metadata, arch));
    }

    /// <summary>
    /// 1 / linear scaling factor (llama.cpp's rope_freq_scale). YaRN and LongRoPE change more than the angles' scale
    /// and are refused rather than run wrongly.
    /// </summary>
    private static float ReadRopeFreqScale(GgufMetadata metadata, string arch)
    {
        string? type = metadata.GetStringOrNull($"{arch}.rope.scaling.type");
        double? factor = metadata.GetDoubleOrNull($"{arch}.rope.scaling.factor")
            ?? metadata.GetDoubleOrNull($"{arch}.rope.scale_linear");
        if (type is "yarn" or "longrope")
            throw new ModelFormatException($"rope scaling '{type}' ({arch}.rope.scaling.type) is not supported yet; supported: none, linear");
        if (type is not (null or "none" or "linear"))
            throw new ModelFormatException($"unknown rope scaling '{type}' ({arch}.rope.scaling.type); supported: none, linear");
        if (type == "none" || factor is null || factor == 0) return 1.0f;
        if (factor < 0) throw new ModelFormatException($"rope scaling factor {factor} must be positive");
        return (float)(1.0 / factor.Value);
    }
}
