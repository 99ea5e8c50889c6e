using System.Globalization;
using System.Text.Json;
using Spindle.Gguf;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// The hyper-parameters of a llama-architecture config.json, checked, with the GGUF keys llama.cpp's converter
/// (convert_hf_to_gguf.py, LlamaModel) writes for them.
/// </summary>
public sealed record HfModelConfig
{
    /// <summary>config.json files are a few kilobytes; anything this large is not one.</summary>
    public const long MaxFileByteLength = 16 << 20;

    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KvHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int IntermediateSize { get; init; }
    public required int ContextLength { get; init; }
    public required double RmsNormEpsilon { get; init; }
    public required double RopeTheta { get; init; }
    /// <summary>Linear RoPE scaling factor, or null for none.</summary>
    public double? RopeLinearFactor { get; init; }
    public int? VocabSize { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }
    public string? NameOrPath { get; init; }

    /// <summary>Reads and checks <paramref name="path"/>; anything Spindle cannot run is a <see cref="ModelFormatException"/>.</summary>
    public static HfModelConfig Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new ModelFormatException($"{path} is missing: a Hugging Face checkpoint folder needs its config.json");
        if (info.Length > MaxFileByteLength) throw new ModelFormatException($"{path} is {info.Length} bytes; a config.json is at most {MaxFileByteLength}");
        return Parse(File.ReadAllText(path), path);
    }

    public static HfModelConfig Parse(string json, string where = "config.json")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{where} is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{where} must hold a JSON object");
            var r = new Reader(root, where);
            string modelType = r.String("model_type") ?? "";
            string architectures = r.Architectures();
            if (modelType != "llama" && !architectures.Contains("LlamaForCausalLM", StringComparison.Ordinal))
                throw new ModelFormatException(
                    $"{where} describes a '{(modelType.Length > 0 ? modelType : "?")}' model ({(architectures.Length > 0 ? architectures : "no architectures")}); " +
                    "Spindle loads Hugging Face checkpoints of the llama architecture (LlamaForCausalLM) only — convert others with llama.cpp");
            string act = r.String("hidden_act") ?? "silu";
            if (act != "silu") throw new ModelFormatException($"{where}: hidden_act '{act}' is not supported (llama uses silu)");
            if (r.Bool("mlp_bias") == true) throw new ModelFormatException($"{where}: mlp_bias is not supported");

            int hidden = r.Positive("hidden_size");
            int heads = r.Positive("num_attention_heads");
            int kvHeads = r.OptionalPositive("num_key_value_heads") ?? heads;
            if (heads % kvHeads != 0)
                throw new ModelFormatException($"{where}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
            int? headDimKey = r.OptionalPositive("head_dim");
            if (headDimKey is null && hidden % heads != 0)
                throw new ModelFormatException($"{where}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}");
            int headDim = headDimKey ?? hidden / heads;
            if (headDim % 2 != 0) throw new ModelFormatException($"{where}: the head size {headDim} must be even for RoPE");
            return new HfModelConfig
            {
                ModelType = modelType,
                HiddenSize = hidden,
                LayerCount = r.Positive("num_hidden_layers"),
                HeadCount = heads,
                KvHeadCount = kvHeads,
                HeadDim = headDim,
                IntermediateSize = r.Positive("intermediate_size"),
                ContextLength = r.Positive("max_position_embeddings"),
                RmsNormEpsilon = r.Number("rms_norm_eps") ?? 1e-6, // LlamaConfig's default
                RopeTheta = r.Number("rope_theta") ?? 10000.0,
                RopeLinearFactor = r.RopeScaling(),
                VocabSize = r.OptionalPositive("vocab_size"),
                TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false, // PretrainedConfig's default
                BosTokenId = r.OptionalTokenId("bos_token_id"),
                EosTokenId = r.OptionalTokenId("eos_token_id"),
                NameOrPath = r.String("_name_or_path"),
            };
        }
    }

    /// <summary>Adds the architecture keys in the order llama.cpp's converter writes them.</summary>
    public void AddTo(GgufMetadata metadata, string name, int vocabSize, uint fileType)
    {
        const string arch = "llama";
        metadata.Set(GgufKeys.Architecture, GgufValue.String(arch));
        metadata.Set(GgufKeys.Name, GgufValue.String(name));
        metadata.Set($"{arch}.{GgufKeys.BlockCount}", GgufValue.UInt32((uint)LayerCount));
        metadata.Set($"{arch}.{GgufKeys.ContextLength}", GgufValue.UInt32((uint)ContextLength));
        metadata.Set($"{arch}.{GgufKeys.EmbeddingLength}", GgufValue.UInt32((uint)HiddenSize));
        metadata.Set($"{arch}.{GgufKeys.FeedForwardLength}", GgufValue.UInt32((uint)IntermediateSize));
        metadata.Set($"{arch}.{GgufKeys.HeadCount}", GgufValue.UInt32((uint)HeadCount));
        metadata.Set($"{arch}.{GgufKeys.HeadCountKv}", GgufValue.UInt32((uint)KvHeadCount));
        metadata.Set($"{arch}.{GgufKeys.RopeFreqBase}", GgufValue.Float32((float)RopeTheta));
        metadata.Set($"{arch}.{GgufKeys.LayerNormRmsEpsilon}", GgufValue.Float32((float)RmsNormEpsilon));
        if (HeadDim * HeadCount != HiddenSize)
        {
            metadata.Set($"{arch}.{GgufKeys.KeyLength}", GgufValue.UInt32((uint)HeadDim));
            metadata.Set($"{arch}.{GgufKeys.ValueLength}", GgufValue.UInt32((uint)HeadDim));
        }
        if (RopeLinearFactor is { } factor)
        {
            metadata.Set($"{arch}.rope.scaling.type", GgufValue.String("linear"));
            metadata.Set($"{arch}.rope.scaling.factor", GgufValue.Float32((float)factor));
        }
        metadata.Set(GgufKeys.FileType, GgufValue.UInt32(fileType));
        metadata.Set($"{arch}.{GgufKeys.VocabSize}", GgufValue.UInt32((uint)vocabSize));
        metadata.Set($"{arch}.{GgufKeys.RopeDimensionCount}", GgufValue.UInt32((uint)HeadDim));
    }

    /// <summary>Typed reads of config.json fields that name the field and its value when it is wrong.</summary>
    private readonly struct Reader(JsonElement root, string where)
    {
        private JsonElement? Get(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public string? String(string name) => Get(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

        public bool? Bool(string name) => Get(name) switch
        {
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            null => null,
            var v => throw new ModelFormatException($"{where}: {name} must be true or false, not {v.Value.GetRawText()}"),
        };

        public double? Number(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out double d) && double.IsFinite(d) && d > 0 => d,
            var v => throw new ModelFormatException($"{where}: {name} must be a positive number, not {v.Value.GetRawText()}"),
        };

        public int Positive(string name) =>
            OptionalPositive(name) ?? throw new ModelFormatException($"{where}: {name} is missing");

        public int? OptionalPositive(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out int i) && i > 0 => i,
            var v => throw new ModelFormatException($"{where}: {name} must be a positive integer, not {v.Value.GetRawText()}"),
        };

        /// <summary>A token id; a list (several EOS ids, as Llama 3 configs give) yields its first entry.</summary>
        public int? OptionalTokenId(string name)
        {
            var v = Get(name);
            if (v is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0) v = list[0];
            return v is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out int id) && id >= 0 ? id : null;
        }

        public string Architectures()
        {
            if (Get("architectures") is not { ValueKind: JsonValueKind.Array } list) return "";
            var names = new List<string>();
            foreach (var item in list.EnumerateArray())
                if (item.ValueKind == JsonValueKind.String) names.Add(item.GetString()!);
            return string.Join(", ", names);
        }

        /// <summary>rope_scaling: null, {"type"|"rope_type": "linear", "factor": f} or "default"; other kinds are refused.</summary>
        public double? RopeScaling()
        {
            if (Get("rope_scaling") is not { } scaling) return null;
            if (scaling.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{where}: rope_scaling must be an object or null");
            string? kind = (scaling.TryGetProperty("rope_type", out var t) || scaling.TryGetProperty("type", out t)) && t.ValueKind == JsonValueKind.String
                ? t.GetString() : null;
            if (kind is null or "default") return null;
            if (kind != "linear")
                throw new ModelFormatException($"{where}: rope_scaling type '{kind}' is not supported for Hugging Face checkpoints (supported: linear)");
            if (!scaling.TryGetProperty("factor", out var f) || f.ValueKind != JsonValueKind.Number || !f.TryGetDouble(out double factor) || !(factor > 0))
                throw new ModelFormatException($"{where}: linear rope_scaling needs a positive factor");
            return factor == 1 ? null : factor;
        }
    }
}
