namespace Spindle.Tensors.Ops;

/// <summary>Which elements RoPE rotates together (llama.cpp LLAMA_ROPE_TYPE_NORM / _NEOX).</summary>
public enum RopeKind
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): Llama as converted by llama.cpp.</summary>
    Normal,

    /// <summary>Split halves (x[i], x[i + d/2]): GPT-NeoX layout, used by Qwen2, Phi-3, Gemma.</summary>
    Neox,
}
