using Spindle.Tensors.Ops;

namespace Spindle.Models;

/// <summary>Transformer families Spindle runs, named by GGUF's <c>general.architecture</c>.</summary>
public enum ModelArchitecture
{
    /// <summary>Llama: SwiGLU, normal RoPE, optional tied head.</summary>
    Llama,

    /// <summary>Qwen2: Llama plus Q/K/V biases, NEOX RoPE.</summary>
    Qwen2,

    /// <summary>
    /// Phi-3: fused Q/K/V matrix, fused gate+up matrix, NEOX RoPE. Its <c>attention.sliding_window</c> is ignored, as
    /// llama.cpp ignores it (it disables Phi SWA because converted files do not describe the pattern reliably).
    /// </summary>
    Phi3,

    /// <summary>Gemma: GELU(tanh) GeGLU, embeddings scaled by sqrt(n_embd), tied head, NEOX RoPE.</summary>
    Gemma,
}

public static class ModelArchitectures
{
    /// <summary>The <c>general.architecture</c> values accepted, in the order error messages list them.</summary>
    public static readonly IReadOnlyList<string> SupportedNames = ["llama", "qwen2", "phi3", "gemma"];

    public static ModelArchitecture Parse(string? name) => name switch
    {
        "llama" => ModelArchitecture.Llama,
        "qwen2" => ModelArchitecture.Qwen2,
        "phi3" => ModelArchitecture.Phi3,
        "gemma" => ModelArchitecture.Gemma,
        null => throw new ModelFormatException(
            $"the file has no 'general.architecture'; supported architectures: {string.Join(", ", SupportedNames)}"),
        _ => throw new ModelFormatException(
            $"unsupported architecture '{name}'; supported architectures: {string.Join(", ", SupportedNames)}"),
    };

    public static string GgufName(this ModelArchitecture architecture) => SupportedNames[(int)architecture];

    /// <summary>llama.cpp's rope type per architecture (llama_model_rope_type).</summary>
    public static RopeKind RopeKind(this ModelArchitecture architecture) =>
        architecture == ModelArchitecture.Llama ? Tensors.Ops.RopeKind.Normal : Tensors.Ops.RopeKind.Neox;
}
