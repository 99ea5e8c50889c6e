namespace Spindle.Models.HuggingFace;

/// <summary>
/// Hugging Face llama tensor names → GGUF names, as llama.cpp's converter maps them (gguf-py tensor_mapping.py):
/// <c>model.layers.N.self_attn.q_proj.weight</c> → <c>blk.N.attn_q.weight</c>, and so on.
/// </summary>
public static class HfTensorNames
{
    private const string LayerPrefix = "model.layers.";

    private static readonly Dictionary<string, (string Gguf, HfTensorRole Role)> LayerSuffixes = new(StringComparer.Ordinal)
    {
        ["input_layernorm.weight"] = ("attn_norm.weight", HfTensorRole.Plain),
        ["self_attn.q_proj.weight"] = ("attn_q.weight", HfTensorRole.Query),
        ["self_attn.q_proj.bias"] = ("attn_q.bias", HfTensorRole.Query),
        ["self_attn.k_proj.weight"] = ("attn_k.weight", HfTensorRole.Key),
        ["self_attn.k_proj.bias"] = ("attn_k.bias", HfTensorRole.Key),
        ["self_attn.v_proj.weight"] = ("attn_v.weight", HfTensorRole.Plain),
        ["self_attn.v_proj.bias"] = ("attn_v.bias", HfTensorRole.Plain),
        ["self_attn.o_proj.weight"] = ("attn_output.weight", HfTensorRole.Plain),
        ["post_attention_layernorm.weight"] = ("ffn_norm.weight", HfTensorRole.Plain),
        ["mlp.gate_proj.weight"] = ("ffn_gate.weight", HfTensorRole.Plain),
        ["mlp.up_proj.weight"] = ("ffn_up.weight", HfTensorRole.Plain),
        ["mlp.down_proj.weight"] = ("ffn_down.weight", HfTensorRole.Plain),
        ["self_attn.rotary_emb.inv_freq"] = ("", HfTensorRole.Ignored),
    };

    public const string Embedding = "model.embed_tokens.weight";
    public const string Head = "lm_head.weight";

    /// <summary>
    /// The GGUF name and role of <paramref name="name"/>; false when llama.cpp has no counterpart for it (an
    /// o_proj bias, an MLP bias, a layer past <paramref name="layerCount"/>, or a tensor of another architecture).
    /// </summary>
    public static bool TryMap(string name, int layerCount, out string ggufName, out HfTensorRole role)
    {
        (ggufName, role) = name switch
        {
            Embedding => ("token_embd.weight", HfTensorRole.Plain),
            "model.norm.weight" => ("output_norm.weight", HfTensorRole.Plain),
            Head => ("output.weight", HfTensorRole.Plain),
            _ => ("", HfTensorRole.Plain),
        };
        if (ggufName.Length > 0) return true;
        if (!name.StartsWith(LayerPrefix, StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', LayerPrefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(LayerPrefix.Length, dot - LayerPrefix.Length), System.Globalization.NumberStyles.None, null, out int layer)
            || layer >= layerCount || !LayerSuffixes.TryGetValue(name[(dot + 1)..], out var mapped))
            return false;
        role = mapped.Role;
        ggufName = role == HfTensorRole.Ignored ? "" : $"blk.{layer}.{mapped.Gguf}";
        return true;
    }
}
