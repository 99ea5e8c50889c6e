namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>Whose next-token distribution the rolling entropy of <see cref="EntropyAdaptiveDecoder"/> measures.</summary>
public enum EntropySource
{
    /// <summary>
    /// The active model's (the paper's rule): the small model's while it runs, the large model's once it has taken over,
    /// so the large model hands back when it is itself confident. Only the active model evaluates each step.
    /// </summary>
    ActiveModel,

    /// <summary>
    /// Always the small model's: it evaluates every token (about small/large of the large model's cost per token), and
    /// each step goes to the large model exactly while the small model's rolling mean says it is unsure — both
    /// hand-overs take effect at the step measured. The large model's own confidence after a hard token, which tends to
    /// stay high for a few tokens, then no longer keeps it running.
    /// </summary>
    SmallModel,
}
