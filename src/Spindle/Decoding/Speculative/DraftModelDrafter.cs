using Spindle.Caching;
using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// A smaller model over the same vocabulary drafts a chain token by token. Its cache follows the sequence: each round
/// it rolls back to what it shares with the context and catches up on the rest (the root, and tokens the target chose
/// that the draft did not) in one batched prefill. With <see cref="SpeculationOptions.DraftPMin"/> the chain stops
/// early once the draft is unsure of its next token.
/// </summary>
public sealed class DraftModelDrafter : IDrafter
{
    private readonly InferenceSession _session;
    private readonly List<int> _cached = [];
    private readonly ChainDrafting _drafting;
    private readonly int _draftMin;
    private readonly float _pMin;
    private int[] _catchUp = new int[64];

    public DraftModelDrafter(Model draft, int contextLength, SpeculationOptions options)
    {
        ArgumentNullException.ThrowIfNull(draft);
        _session = new InferenceSession(draft, draft.CreateCache(KvCacheFormat.F16, contextLength));
        _drafting = new ChainDrafting();
        _draftMin = options.DraftMin;
        _pMin = options.DraftPMin;
    }

    /// <summary>Forward passes the draft model ran (catch-up prefills count once).</summary>
    public long ForwardPasses { get; private set; }

    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        var tokens = context.Tokens;
        CatchUp(tokens, context.CancellationToken);
        _drafting.Begin(context.TargetChain, context.DraftRng);
        var logits = _session.Logits;
        for (int d = 0; d < limit; d++)
        {
            int token = _drafting.Next(logits, out var q);
            if (_pMin > 0 && d >= _draftMin && DraftConfidence.Of(logits, token) < _pMin) break;
            tree.Add(token, d - 1, q);
            if (d == limit - 1) break;
            logits = _session.Decode(token);
            _cached.Add(token);
            ForwardPasses++;
        }
    }

    /// <summary>Brings the draft cache to the context: keep the common prefix, evaluate the rest in one pass.</summary>
    private void CatchUp(List<int> tokens, CancellationToken cancellationToken)
    {
        int common = 0;
        while (common < _cached.Count && common < tokens.Count && _cached[common] == tokens[common]) common++;
        if (common == tokens.Count) common--; // the logits after the last token are needed
        _session.Rollback(common);
        _cached.RemoveRange(common, _cached.Count - common);
        int missing = tokens.Count - common;
        if (_catchUp.Length < missing) _catchUp = new int[Math.Max(missing, _catchUp.Length * 2)];
        for (int i = 0; i < missing; i++) _catchUp[i] = tokens[common + i];
        _session.Prefill(_catchUp.AsSpan(0, missing), cancellationToken);
        for (int i = 0; i < missing; i++) _cached.Add(_catchUp[i]);
        ForwardPasses++;
    }

    public void Dispose() => _session.Cache.Dispose();
}
