namespace Spindle.Decoding.Speculative;

/// <summary>Where the drafted tokens come from.</summary>
public enum SpeculationMethod
{
    /// <summary>A smaller model over the same vocabulary drafts a chain, token by token.</summary>
    DraftModel,

    /// <summary>Prompt lookup: the tokens that followed the latest earlier occurrence of the context's last n-gram.</summary>
    Lookup,

    /// <summary>Token Recycling: a tree grown from the top candidates the target itself predicted at earlier steps.</summary>
    Recycle,

    /// <summary>Self-speculation: the target's own first layers (an early exit) draft a chain.</summary>
    SelfSpeculation,
}
