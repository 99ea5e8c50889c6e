using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// Drafting a chain with a model's logits through a copy of the target's sampler chain: the copy shapes the draft
/// distribution q (same penalties, grammar and truncation as the target), a token is drawn from q with the drafter's
/// own generator (never the target's: a draw reused across rounds would break the rejection rule's independence), and
/// the copy advances by it.
/// </summary>
internal sealed class ChainDrafting
{
    private SamplerRng? _rng;
    private SamplerChain? _chain;
    private CandidateSet? _candidates;

    /// <summary>Starts a round from the target's chain as it stands.</summary>
    public void Begin(SamplerChain target, SamplerRng rng)
    {
        _rng = rng;
        _candidates ??= new CandidateSet(1); // grows to the vocabulary on first use, then is reused
        _chain = target.CloneWith(_candidates);
    }

    /// <summary>Shapes q from <paramref name="logits"/> and draws from it; the copy's grammar and history advance.</summary>
    public int Next(ReadOnlySpan<float> logits, out ReadOnlySpan<TokenCandidate> distribution)
    {
        var chain = _chain ?? throw new InvalidOperationException("Begin a round first");
        var shaped = chain.Shape(logits);
        var items = shaped.Items;
        int token = items.Length == 1 ? items[0].Id : DistributionPicker.Draw(shaped, _rng!);
        chain.Commit(token);
        chain.Accept(token);
        distribution = items;
        return token;
    }
}
