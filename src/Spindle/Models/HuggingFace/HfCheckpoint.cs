using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tokenization.HuggingFace;

namespace Spindle.Models.HuggingFace;

/// <summary>
/// Opens a Hugging Face llama checkpoint folder (config.json, model.safetensors or sharded model-*.safetensors with
/// model.safetensors.index.json, tokenizer.json, tokenizer_config.json) as a <see cref="GgufFile"/> view, so that the
/// one model loader binds it like a GGUF file: the metadata llama.cpp's converter would write, the tensors renamed to
/// GGUF names and left in the safetensors mappings. Only Q and K are copied, reordered for llama RoPE (their bytes, about
/// a tenth to a sixth of a llama's weights; see <see cref="RopeRowPermutation"/>), each when first used (binding a model
/// uses them all; inspecting or reading the tokenizer none); everything else is bound in place.
/// </summary>
public static unsafe class HfCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string TokenizerFileName = "tokenizer.json";
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    /// <summary>Large vocabularies give tokenizer.json files of tens of megabytes; far beyond that it is not one.</summary>
    private const long MaxTokenizerByteLength = 256 << 20;

    /// <summary>Whether <paramref name="path"/> is a folder that looks like a checkpoint (it has a config.json).</summary>
    public static bool IsCheckpointFolder(string path) => Directory.Exists(path) && File.Exists(System.IO.Path.Combine(path, ConfigFileName));

    /// <summary>
    /// Opens the folder. Problems with the files' format are <see cref="SafetensorsFormatException"/>s; a checkpoint Spindle
    /// cannot run (another architecture, a missing or misshapen tensor, an unsupported dtype) is a <see cref="ModelFormatException"/>.
    /// </summary>
    public static GgufFile Open(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"checkpoint folder not found: {directory}");
        string dir = System.IO.Path.GetFullPath(directory);
        var config = HfModelConfig.Load(System.IO.Path.Combine(dir, ConfigFileName));
        var shards = HfShardSet.Open(dir, out var tensors);
        var memory = new HfCheckpointMemory(shards);
        try
        {
            var planned = Plan(config, tensors);
            var views = Bind(config, planned, memory);
            var metadata = new GgufMetadata();
            int vocab = checked((int)views[planned.FindIndex(p => p.GgufName == "token_embd.weight")].Descriptor.Dimensions[1]);
            if (config.VocabSize is { } declared && declared != vocab)
                throw new ModelFormatException($"config.json says vocab_size {declared}, but the token embedding has {vocab} rows");
            config.AddTo(metadata, NameOf(config, dir), vocab, FileTypeOf(views));
            AddTokenizer(metadata, dir, vocab, config);
            long length = 0;
            foreach (var shard in shards) length += shard.Length;
            return GgufFile.CreateView(dir, length, metadata, views, memory);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    private sealed record PlannedTensor(SafetensorsFile File, SafetensorsTensor Tensor, string GgufName, HfTensorRole Role);

    /// <summary>Renames every tensor, resolves the tied head, and checks that each tensor llama needs is there.</summary>
    private static List<PlannedTensor> Plan(HfModelConfig config, List<(SafetensorsFile File, SafetensorsTensor Tensor)> tensors)
    {
        bool hasEmbedding = false, hasHead = false;
        foreach (var (_, t) in tensors)
        {
            hasEmbedding |= t.Name == HfTensorNames.Embedding;
            hasHead |= t.Name == HfTensorNames.Head;
        }
        var planned = new List<PlannedTensor>(tensors.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, t) in tensors)
        {
            if (!HfTensorNames.TryMap(t.Name, config.LayerCount, out string gguf, out var role))
                throw new ModelFormatException($"{file.Path}: tensor '{t.Name}' has no counterpart in a llama GGUF (Spindle cannot run it)");
            if (role == HfTensorRole.Ignored) continue;
            if (t.Name == HfTensorNames.Head && config.TieWordEmbeddings)
            {
                // Tied: the matrix is both embedding and head. Checkpoints that store it once may store it as lm_head.
                if (hasEmbedding) continue;
                gguf = "token_embd.weight";
            }
            names.Add(gguf);
            planned.Add(new PlannedTensor(file, t, gguf, role));
        }
        if (!hasEmbedding && !(hasHead && config.TieWordEmbeddings))
            throw new ModelFormatException($"tensor '{HfTensorNames.Embedding}' is missing" + (hasHead ? " (and tie_word_embeddings is false)" : ""));
        if (!config.TieWordEmbeddings && !hasHead)
            throw new ModelFormatException($"tensor '{HfTensorNames.Head}' is missing and tie_word_embeddings is false");
        Require(names, "output_norm.weight", "model.norm.weight");
        for (int i = 0; i < config.LayerCount; i++)
        {
            string p = $"model.layers.{i}.";
            Require(names, $"blk.{i}.attn_norm.weight", p + "input_layernorm.weight");
            Require(names, $"blk.{i}.attn_q.weight", p + "self_attn.q_proj.weight");
            Require(names, $"blk.{i}.attn_k.weight", p + "self_attn.k_proj.weight");
            Require(names, $"blk.{i}.attn_v.weight", p + "self_attn.v_proj.weight");
            Require(names, $"blk.{i}.attn_output.weight", p + "self_attn.o_proj.weight");
            Require(names, $"blk.{i}.ffn_norm.weight", p + "post_attention_layernorm.weight");
            Require(names, $"blk.{i}.ffn_gate.weight", p + "mlp.gate_proj.weight");
            Require(names, $"blk.{i}.ffn_up.weight", p + "mlp.up_proj.weight");
            Require(names, $"blk.{i}.ffn_down.weight", p + "mlp.down_proj.weight");
        }
        return planned;
    }

    private static void Require(HashSet<string> names, string gguf, string hf)
    {
        if (!names.Contains(gguf)) throw new ModelFormatException($"tensor '{hf}' is missing (llama needs it as '{gguf}')");
    }

    /// <summary>
    /// Describes each tensor in GGUF terms (dimensions reversed: PyTorch's last, fastest-varying dimension is ggml's
    /// first) and points it into its shard; Q and K point to a copy with their rows reordered, made on first use.
    /// </summary>
    private static List<GgufTensorView> Bind(HfModelConfig config, List<PlannedTensor> planned, HfCheckpointMemory memory)
    {
        var views = new List<GgufTensorView>(planned.Count);
        foreach (var p in planned)
        {
            var descriptor = Describe(p);
            if (p.Role is HfTensorRole.Query or HfTensorRole.Key)
            {
                int heads = p.Role == HfTensorRole.Query ? config.HeadCount : config.KvHeadCount;
                long rows = p.Tensor.Shape[0];
                if (rows != (long)heads * config.HeadDim)
                    throw new ModelFormatException(
                        $"tensor '{p.Tensor.Name}' has shape {p.Tensor.ShapeText}: {rows} rows are not {heads} heads × {config.HeadDim}");
                if (p.Tensor.ByteLength > int.MaxValue)
                    throw new ModelFormatException($"tensor '{p.Tensor.Name}' is {p.Tensor.ByteLength} bytes; Spindle reorders Q/K tensors of at most 2 GiB");
                views.Add(new GgufTensorView(descriptor, () => (nint)Reorder(p, heads, memory)));
            }
            else
            {
                views.Add(new GgufTensorView(descriptor, p.File.GetTensorPointer(p.Tensor), p.File.Path, p.File.GetFileOffset(p.Tensor)));
            }
        }
        return views;
    }

    /// <summary>Copies a Q or K tensor into its own block with llama.cpp's row order (see <see cref="RopeRowPermutation"/>).</summary>
    private static byte* Reorder(PlannedTensor p, int heads, HfCheckpointMemory memory)
    {
        int length = (int)p.Tensor.ByteLength;
        long rows = p.Tensor.Shape[0];
        byte* block = memory.Allocate(length);
        RopeRowPermutation.Apply(new ReadOnlySpan<byte>(p.File.GetTensorPointer(p.Tensor), length), new Span<byte>(block, length),
            rows, (int)(length / rows), heads);
        return block;
    }

    private static GgufTensorDescriptor Describe(PlannedTensor p)
    {
        var t = p.Tensor;
        if (!SafetensorsDTypes.TryGetGgmlType(t.DType, out GgmlType type))
            throw new ModelFormatException($"tensor '{t.Name}' has dtype {t.DType}; Spindle reads F32, F16 and BF16 safetensors weights");
        if (t.Shape.Length is 0 or > GgufTensorDescriptor.MaxDimensions)
            throw new ModelFormatException($"tensor '{t.Name}' has {t.Shape.Length} dimensions (1 to {GgufTensorDescriptor.MaxDimensions} are supported)");
        var dims = new long[t.Shape.Length];
        for (int d = 0; d < dims.Length; d++) dims[d] = t.Shape[dims.Length - 1 - d];
        return new GgufTensorDescriptor(p.GgufName, type, dims);
    }

    /// <summary>general.file_type as llama.cpp numbers it, from the matrices' type (F32 0, F16 1, BF16 32).</summary>
    private static uint FileTypeOf(List<GgufTensorView> views)
    {
        foreach (var v in views)
        {
            if (v.Descriptor.Dimensions.Length < 2) continue;
            return v.Descriptor.Type switch { GgmlType.F16 => 1u, GgmlType.BF16 => 32u, _ => 0u };
        }
        return 0;
    }

    private static string NameOf(HfModelConfig config, string dir)
    {
        string? fromConfig = config.NameOrPath is { Length: > 0 } n ? System.IO.Path.GetFileName(n.TrimEnd('/', '\\')) : null;
        return string.IsNullOrEmpty(fromConfig) ? System.IO.Path.GetFileName(dir) : fromConfig;
    }

    /// <summary>
    /// The tokenizer keys: tokenizer.json kept whole (<see cref="GgufKeys.HuggingFaceJson"/>) plus, when its kind has one,
    /// the tokenizer.ggml.* table llama.cpp reads. A folder without tokenizer.json gives a model without a tokenizer.
    /// </summary>
    private static void AddTokenizer(GgufMetadata metadata, string dir, int vocab, HfModelConfig config)
    {
        string path = System.IO.Path.Combine(dir, TokenizerFileName);
        if (!File.Exists(path)) return;
        string json = ReadLimited(path);
        string configPath = System.IO.Path.Combine(dir, TokenizerConfigFileName);
        string? tokenizerConfig = File.Exists(configPath) ? ReadLimited(configPath) : null;
        try
        {
            HfGgufVocabulary.AddTo(metadata, json, tokenizerConfig, vocab, config.BosTokenId, config.EosTokenId);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            throw new ModelFormatException($"{path}: {e.Message}");
        }
    }

    private static string ReadLimited(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxTokenizerByteLength) throw new ModelFormatException($"{path} is {length} bytes (at most {MaxTokenizerByteLength})");
        return File.ReadAllText(path);
    }
}
