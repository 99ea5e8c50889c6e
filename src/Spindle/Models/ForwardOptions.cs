namespace Spindle.Models;

/// <summary>Optional parts of a forward pass beyond "all layers, logits of the output tokens".</summary>
public readonly record struct ForwardOptions
{
    /// <summary>
    /// Early exit: run only the first N layers, then the final norm and the LM head (self-speculative drafting). The
    /// batch's slots are committed in every layer's cache, but layers from N on hold nothing valid for them: truncate
    /// the cache back before running those tokens through the full model.
    /// </summary>
    public int? ExitAfterLayer { get; init; }

    /// <summary>
    /// Hidden states of the output tokens from the residual stream after this layer (0-based, before any final norm)
    /// instead of the final normalized state (the LM head's input).
    /// </summary>
    public int? HiddenStateLayer { get; init; }
}
