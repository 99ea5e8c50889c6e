using Spindle.Models;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// Speculative decoding for a generation (Leviathan et al.; Chen et al.): a drafter proposes tokens, the target checks
/// them all in one forward pass, and the standard rejection rule keeps the output distributed exactly as the target's
/// own sampling would be (token for token the same under greedy decoding). Only the speed depends on these options.
/// </summary>
public sealed record SpeculationOptions
{
    public SpeculationMethod Method { get; init; } = SpeculationMethod.DraftModel;

    /// <summary>The draft model for <see cref="SpeculationMethod.DraftModel"/>: same vocabulary as the target; the caller owns it.</summary>
    public Model? DraftModel { get; init; }

    /// <summary>Most tokens drafted per round (for a tree: most nodes).</summary>
    public int DraftMax { get; init; } = 16;

    /// <summary>Fewest tokens drafted per round before the adaptive rule may stop the chain.</summary>
    public int DraftMin { get; init; }

    /// <summary>
    /// Adaptive draft length (SpecDec++'s stopping rule with the draft's own confidence in place of its trained head):
    /// a chain stops before a token whose draft probability is below this, i.e. when the estimated chance that the
    /// target rejects it exceeds 1 − P. 0 drafts <see cref="DraftMax"/> tokens every round.
    /// </summary>
    public float DraftPMin { get; init; }

    /// <summary>Longest n-gram prompt lookup matches (it tries n, n − 1, …, 1).</summary>
    public int LookupNgram { get; init; } = 3;

    /// <summary>Token Recycling: candidates kept per token in the adjacency matrix.</summary>
    public int RecycleCandidates { get; init; } = 8;

    /// <summary>Token Recycling: deepest level of the draft tree.</summary>
    public int RecycleDepth { get; init; } = 8;

    /// <summary>
    /// Token Recycling: the longest context, in tokens, that recycled candidates are keyed by (1: the token alone, the
    /// paper's adjacency matrix); the longest context seen before supplies a node's candidates.
    /// </summary>
    public int RecycleOrder { get; init; } = 4;

    /// <summary>Self-speculation: how many of the target's first layers draft.</summary>
    public int SelfSpeculationLayers { get; init; } = 1;

    /// <summary>Deliberately wrong rejection rule (resample from the target, not the residual) for the test that shows the χ² test can fail.</summary>
    internal bool BrokenResidualForTests { get; init; }

    public void Validate()
    {
        if (!Enum.IsDefined(Method)) throw new ArgumentOutOfRangeException(nameof(Method), Method, "unknown speculation method");
        ArgumentOutOfRangeException.ThrowIfLessThan(DraftMax, 1, nameof(DraftMax));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DraftMax, 256, nameof(DraftMax));
        ArgumentOutOfRangeException.ThrowIfNegative(DraftMin, nameof(DraftMin));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DraftMin, DraftMax, nameof(DraftMin));
        if (!(DraftPMin >= 0f && DraftPMin <= 1f))
            throw new ArgumentOutOfRangeException(nameof(DraftPMin), DraftPMin, "must be in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(LookupNgram, 1, nameof(LookupNgram));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LookupNgram, 64, nameof(LookupNgram));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecycleCandidates, 1, nameof(RecycleCandidates));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RecycleCandidates, 32, nameof(RecycleCandidates));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecycleDepth, 1, nameof(RecycleDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecycleOrder, 1, nameof(RecycleOrder));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RecycleOrder, 16, nameof(RecycleOrder));
        ArgumentOutOfRangeException.ThrowIfLessThan(SelfSpeculationLayers, 1, nameof(SelfSpeculationLayers));
        if (Method == SpeculationMethod.DraftModel && DraftModel is null)
            throw new ArgumentException("draft-model speculation needs a draft model", nameof(DraftModel));
    }
}
