using Spindle.Caching;
using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// What a drafter sees at the start of a round: every token of the sequence, the last of which (the root of the draft)
/// the target has chosen but not yet evaluated; the target's sampler chain as it stands after them; the target itself.
/// </summary>
public sealed class DraftContext
{
    internal DraftContext(Model target, KvCache targetCache, SamplerChain targetChain, SamplerRng draftRng, List<int> tokens)
    {
        Tokens = tokens;
        DraftRng = draftRng;
        Target = target;
        TargetCache = targetCache;
        TargetChain = targetChain;
    }

    /// <summary>Prompt and generated tokens; the target's cache holds all but the last.</summary>
    public List<int> Tokens { get; }

    public Model Target { get; }

    public KvCache TargetCache { get; }

    /// <summary>The target's chain (do not shape or commit it: clone it to draft with the same stages and history).</summary>
    public SamplerChain TargetChain { get; }

    /// <summary>The generation's generator for drafts drawn from a distribution (never the verifier's or the target's).</summary>
    public SamplerRng DraftRng { get; }

    public CancellationToken CancellationToken { get; internal set; }
}
