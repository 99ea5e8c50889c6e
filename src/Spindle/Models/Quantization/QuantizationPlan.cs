using Spindle.Tensors.Blocks;

namespace Spindle.Models.Quantization;

/// <summary>
/// Decides each tensor's type when quantizing a model, following llama.cpp's llama_tensor_get_type for the file
/// types Spindle writes (no importance matrix, no experts), so that `spindle quantize` and `llama-quantize` produce
/// files with the same mix of types and the two engines can be compared on the same file.
/// </summary>
public sealed class QuantizationPlan
{
    private readonly LlamaFileType _fileType;
    private readonly string _architecture;
    private readonly int _layerCount;
    private readonly int _gqaFactor;
    private readonly bool _hasOutput;
    private readonly int _attentionValueCount;
    private int _attentionValueIndex;
    private int _ffnDownIndex;

    /// <param name="tensorNames">Every tensor of the model, in the order they will be planned.</param>
    /// <param name="gqaFactor">Heads per KV head (n_head / n_head_kv).</param>
    public QuantizationPlan(LlamaFileType fileType, string architecture, int layerCount, int gqaFactor, IEnumerable<string> tensorNames)
    {
        _fileType = fileType;
        _architecture = architecture;
        _layerCount = layerCount;
        _gqaFactor = gqaFactor;
        foreach (string name in tensorNames)
        {
            if (name.Contains("attn_v.weight") || name.Contains("attn_qkv.weight")) _attentionValueCount++;
            else if (name == "output.weight") _hasOutput = true;
        }
    }

    /// <summary>
    /// Tensor names in the order llama.cpp's quantizer visits them: tensors outside blocks first, then block by block
    /// (by layer number, not by text), by name within a block. The attn_v / ffn_down counters depend on this order.
    /// </summary>
    public static List<string> OrderLikeLlamaCpp(IEnumerable<string> names)
    {
        var list = new List<string>(names);
        list.Sort(static (a, b) =>
        {
            int la = LayerOf(a), lb = LayerOf(b);
            return la != lb ? la.CompareTo(lb) : string.CompareOrdinal(a, b);
        });
        return list;
    }

    private static int LayerOf(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        int end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), out int layer) ? layer : -1;
    }

    /// <summary>Whether llama.cpp would quantize this tensor at all (norms, biases and 1-D tensors stay as they are).</summary>
    public static bool IsQuantizable(string name, int dimensionCount) =>
        name.EndsWith("weight", StringComparison.Ordinal)
        && dimensionCount >= 2
        && !name.Contains("_norm.weight")
        && !name.Contains("ffn_gate_inp.weight");

    /// <summary>
    /// The type for the next tensor. Call once per tensor, in model order (layer by layer), since some recipes count
    /// attn_v and ffn_down tensors as they go.
    /// </summary>
    public GgmlType TypeFor(string name, long rowLength)
    {
        GgmlType type = LlamaFileTypes.DefaultType(_fileType);
        if (!GgmlTypeInfo.IsQuantized(type)) return type;

        if (name == "output.weight" || (!_hasOutput && name == "token_embd.weight"))
        {
            // The head matters most for quality, so it gets Q6_K unless the file is Q8_0 already.
            if (_architecture == "falcon" || rowLength % GgmlTypeInfo.BlockSize(type) != 0) type = GgmlType.Q8_0;
            else if (type != GgmlType.Q8_0) type = GgmlType.Q6_K;
        }
        else if (name == "token_embd.weight")
        {
            // Stays the file's default type for the types Spindle writes.
        }
        else if (name.Contains("attn_v.weight"))
        {
            type = AttentionValueType(type);
            _attentionValueIndex++;
        }
        else if (name.Contains("ffn_down"))
        {
            type = FfnDownType(type, _ffnDownIndex, _layerCount);
            _ffnDownIndex++;
        }
        else if (name.Contains("attn_output.weight"))
        {
            if (_architecture != "falcon")
            {
                type = _fileType switch
                {
                    LlamaFileType.MostlyQ2_K => GgmlType.Q3_K,
                    LlamaFileType.MostlyQ3_K_M => GgmlType.Q4_K,
                    LlamaFileType.MostlyQ3_K_L => GgmlType.Q5_K,
                    _ => type,
                };
            }
            else if (_fileType == LlamaFileType.MostlyQ3_K_L)
            {
                type = GgmlType.Q4_K;
            }
        }
        else if (name.Contains("attn_qkv.weight"))
        {
            type = _fileType switch
            {
                LlamaFileType.MostlyQ3_K_M or LlamaFileType.MostlyQ3_K_L => GgmlType.Q4_K,
                LlamaFileType.MostlyQ4_K_M => GgmlType.Q5_K,
                LlamaFileType.MostlyQ5_K_M => GgmlType.Q6_K,
                _ => type,
            };
        }

        return FallbackIfRowsDoNotFit(type, rowLength);
    }

    private GgmlType AttentionValueType(GgmlType type)
    {
        int i = _attentionValueIndex, n = _attentionValueCount;
        return _fileType switch
        {
            LlamaFileType.MostlyQ2_K => _gqaFactor >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K,
            LlamaFileType.MostlyQ3_K_M => i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K,
            LlamaFileType.MostlyQ3_K_L => GgmlType.Q5_K,
            LlamaFileType.MostlyIQ4_NL or LlamaFileType.MostlyIQ4_XS when _gqaFactor >= 4 => GgmlType.Q5_K,
            LlamaFileType.MostlyQ4_K_M or LlamaFileType.MostlyQ5_K_M when UseMoreBits(i, n) => GgmlType.Q6_K,
            LlamaFileType.MostlyQ4_K_S when i < 4 => GgmlType.Q5_K,
            _ => type,
        };
    }

    private GgmlType FfnDownType(GgmlType type, int layer, int layerCount)
    {
        bool falcon = _architecture == "falcon";
        switch (_fileType)
        {
            case LlamaFileType.MostlyQ2_K:
                return GgmlType.Q3_K;
            case LlamaFileType.MostlyQ3_K_M:
                return layer < layerCount / 16 ? GgmlType.Q5_K
                    : !falcon || UseMoreBits(layer, layerCount) ? GgmlType.Q4_K
                    : GgmlType.Q3_K;
            case LlamaFileType.MostlyQ3_K_L:
                return falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
            case LlamaFileType.MostlyQ4_K_M:
                if (falcon)
                    return layer < layerCount / 16 ? GgmlType.Q6_K : UseMoreBits(layer, layerCount) ? GgmlType.Q5_K : GgmlType.Q4_K;
                return UseMoreBits(layer, layerCount) ? GgmlType.Q6_K : type;
            case LlamaFileType.MostlyIQ4_NL or LlamaFileType.MostlyIQ4_XS when layer < layerCount / 8:
                return GgmlType.Q5_K;
            case LlamaFileType.MostlyQ5_K_M when UseMoreBits(layer, layerCount):
                return GgmlType.Q6_K;
            case LlamaFileType.MostlyQ4_K_S when !falcon && layer < layerCount / 8:
                return GgmlType.Q5_K;
            default:
                return type;
        }
    }

    // The first and last eighth of the layers, and every third one between, get more bits.
    private static bool UseMoreBits(int layer, int layerCount) =>
        layer < layerCount / 8 || layer >= 7 * layerCount / 8 || (layer - layerCount / 8) % 3 == 2;

    // A row that is not a whole number of 256-element super-blocks cannot use a K-quant: llama.cpp falls back.
    private static GgmlType FallbackIfRowsDoNotFit(GgmlType type, long rowLength)
    {
        if (rowLength % GgmlTypeInfo.BlockSize(type) == 0) return type;
        GgmlType fallback = type switch
        {
            GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.IQ4_XS => GgmlType.IQ4_NL,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => GgmlType.F16,
        };
        return rowLength % GgmlTypeInfo.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }
}
