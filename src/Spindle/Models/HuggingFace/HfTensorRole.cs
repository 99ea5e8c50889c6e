namespace Spindle.Models.HuggingFace;

/// <summary>What loading does with a checkpoint tensor besides renaming it.</summary>
public enum HfTensorRole
{
    /// <summary>Bound as it is.</summary>
    Plain,

    /// <summary>Query projection rows: reordered per attention head for llama's interleaved RoPE.</summary>
    Query,

    /// <summary>Key projection rows: reordered per KV head for llama's interleaved RoPE.</summary>
    Key,

    /// <summary>Not a weight (e.g. rotary_emb.inv_freq, which the model recomputes); skipped.</summary>
    Ignored,
}
