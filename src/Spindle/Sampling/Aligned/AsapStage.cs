using Spindle.Constraints;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Sampling.Aligned;

/// <summary>
/// Grammar-aligned sampling (ASAp, Park et al. 2024) as a logits stage in the constraint mask's place. Like
/// <see cref="ConstraintMaskStage"/> it sets every token the grammar forbids to −∞; in addition each allowed token t
/// whose prefix w·t was sampled before gets ln Ẽ(w·t) added to its logit, so the picker draws t with probability
/// ∝ P(t|w)·Ẽ(w·t) instead of ∝ P(t|w). Unvisited allowed tokens keep Ẽ = 1 (plain masking's assumption). After each
/// step the allowed mass Σ_{t allowed} P(t|w) of the new prefix is backed up the path in the shared
/// <see cref="AsapState"/>, so the next sample is less biased.
/// </summary>
/// <remarks>
/// P(t|w) is the softmax of the logits this stage receives, so the target is the LM (after penalties and bias)
/// conditioned on the grammar when the picker samples at temperature 1 without truncation (top-k 0, top-p 1, min-p 0),
/// the paper's setting; later stages reshape the aligned weights as they would the masked ones. End-of-generation
/// needs no node: Ẽ(w·EOS) = 1 exactly when the grammar allows it. Prompt tokens (Accepts before the first Apply)
/// are hashed so the state can refuse to mix prompts.
/// </remarks>
public sealed class AsapStage : ILogitsStage
{
    private const ulong HashSeed = 0xCBF29CE484222325UL;
    private const ulong HashPrime = 0x100000001B3UL;

    private readonly AsapState _state;
    private readonly CompiledGrammar _grammar;
    private readonly TokenTrie _tokens;
    private readonly Matcher _matcher;
    private readonly TokenMask _mask;
    private float[] _logitsById = [];
    private int[] _indexById = [];
    private double _logNormalizer;
    private int _node = ExpectedFutureTrie.Root;
    private ulong _contextHash = HashSeed;
    private bool _awaitingPick;
    private bool _bound;

    public AsapStage(AsapState state, CompiledGrammar grammar, TokenTrie tokens)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokens);
        _state = state;
        _grammar = grammar;
        _tokens = tokens;
        _matcher = new Matcher(grammar, tokens);
        _mask = new TokenMask(_matcher.VocabularySize);
    }

    private AsapStage(AsapStage other) : this(other._state, other._grammar, other._tokens)
    {
        _matcher = other._matcher.Clone();
        _node = other._node;
        _contextHash = other._contextHash;
        _awaitingPick = other._awaitingPick;
        _bound = other._bound;
    }

    public AsapState State => _state;

    /// <summary>The grammar state of the current sequence.</summary>
    public Matcher Matcher => _matcher;

    public void Apply(CandidateSet candidates)
    {
        if (!_bound)
        {
            _state.Bind(_grammar, _tokens, _contextHash);
            _bound = true;
        }
        ReadOnlySpan<ulong> words = ConstraintStageChecks.ComputeNonEmptyMask(_matcher, _mask);
        _awaitingPick = true;

        var items = candidates.Items;
        int tokenCount = _mask.TokenCount;
        int idLimit = RememberLogits(items);

        // P(t|w) in double: the allowed mass of a rare grammar can be far below float's range once multiplied along a path.
        double max = double.NegativeInfinity;
        foreach (ref var c in items) if (c.Logit > max) max = c.Logit;
        double total = 0, allowed = 0;
        foreach (ref var c in items)
        {
            if (float.IsNegativeInfinity(c.Logit)) continue;
            double e = Math.Exp(c.Logit - max);
            total += e;
            if (IsAllowed(words, c.Id, tokenCount)) allowed += e;
        }
        _logNormalizer = total > 0 ? max + Math.Log(total) : double.PositiveInfinity;

        var trie = _state.Trie;
        if (_node >= 0) trie.Expand(_node, total > 0 ? allowed / total : 0.0);

        for (int i = 0; i < items.Length; i++)
            if (!IsAllowed(words, items[i].Id, tokenCount)) items[i].Logit = float.NegativeInfinity;
        candidates.MarkUnsorted();
        if (_node < 0 || trie.FirstChild(_node) < 0) return;

        bool inIdOrder = IndexCandidates(items, idLimit);
        bool anyMass = false;
        for (int child = trie.FirstChild(_node); child >= 0; child = trie.NextSibling(child))
        {
            int id = trie.TokenOf(child);
            if ((uint)id >= (uint)idLimit) continue;
            int index = inIdOrder ? id : _indexById[id];
            if (index < 0) continue; // removed by an earlier stage
            double estimate = trie.Estimate(child);
            items[index].Logit = estimate > 0 ? (float)(items[index].Logit + Math.Log(estimate)) : float.NegativeInfinity;
        }
        foreach (ref var c in items) if (!float.IsNegativeInfinity(c.Logit)) { anyMass = true; break; }
        // Every allowed token learned to lead nowhere with positive probability (the LM gives the grammar 0 here):
        // the conditional is undefined, so fall back to plain masking rather than leave nothing to pick.
        if (!anyMass) RestoreMasked(items, words, tokenCount);
    }

    public void Accept(int token)
    {
        if (!_awaitingPick)
        {
            _contextHash = (_contextHash ^ (uint)token) * HashPrime;
            return;
        }
        _awaitingPick = false;
        if (!_matcher.TryAccept(token)) ConstraintStageChecks.ThrowRejected(token);
        if (_node < 0) return;
        if (_matcher.IsFinished)
        {
            _node = -1; // Ẽ(w·EOS) = 1 exactly: nothing to learn below an end.
            return;
        }
        double probability = (uint)token < (uint)_logitsById.Length ? Math.Exp(_logitsById[token] - _logNormalizer) : 0.0;
        _node = _state.Trie.ChildOrAdd(_node, token, probability);
    }

    public void Reset()
    {
        _matcher.Rollback(_matcher.AcceptedTokenCount);
        _node = ExpectedFutureTrie.Root;
        _contextHash = HashSeed;
        _awaitingPick = false;
        _bound = false;
    }

    public ILogitsStage Clone() => new AsapStage(this);

    /// <summary>Keeps the incoming logits by token id (P of the picked token is needed in Accept); returns the id bound.</summary>
    private int RememberLogits(ReadOnlySpan<TokenCandidate> items)
    {
        int limit = 0;
        foreach (ref readonly var c in items) if (c.Id >= limit) limit = c.Id + 1;
        if (_logitsById.Length < limit) _logitsById = new float[limit];
        _logitsById.AsSpan(0, limit).Fill(float.NegativeInfinity);
        foreach (ref readonly var c in items) _logitsById[c.Id] = c.Logit;
        return limit;
    }

    /// <summary>True when candidate i is token i (as Load leaves them); otherwise fills the id → index table.</summary>
    private bool IndexCandidates(ReadOnlySpan<TokenCandidate> items, int idLimit)
    {
        if (items.Length == idLimit && items[0].Id == 0 && items[^1].Id == idLimit - 1)
        {
            bool ordered = true;
            for (int i = 0; i < items.Length && ordered; i++) ordered = items[i].Id == i;
            if (ordered) return true;
        }
        if (_indexById.Length < idLimit) _indexById = new int[idLimit];
        _indexById.AsSpan(0, idLimit).Fill(-1);
        for (int i = 0; i < items.Length; i++) _indexById[items[i].Id] = i;
        return false;
    }

    private void RestoreMasked(Span<TokenCandidate> items, ReadOnlySpan<ulong> words, int tokenCount)
    {
        for (int i = 0; i < items.Length; i++)
        {
            int id = items[i].Id;
            items[i].Logit = IsAllowed(words, id, tokenCount) ? _logitsById[id] : float.NegativeInfinity;
        }
    }

    private static bool IsAllowed(ReadOnlySpan<ulong> words, int id, int tokenCount) =>
        (uint)id < (uint)tokenCount && (words[id >> 6] & (1UL << (id & 63))) != 0;
}
