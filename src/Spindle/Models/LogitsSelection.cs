namespace Spindle.Models;

/// <summary>Which batch positions a forward pass produces logits (and hidden states) for.</summary>
public enum LogitsSelection
{
    /// <summary>Only the last token: generation.</summary>
    Last,

    /// <summary>Every token: teacher forcing, perplexity, verifying speculative drafts.</summary>
    All,

    /// <summary>None: prefill that only fills the cache.</summary>
    None,
}
