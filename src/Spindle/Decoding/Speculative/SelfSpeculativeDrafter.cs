using Spindle.Models;
using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// Self-speculation (SWIFT's idea without its layer search): the target's own first <c>layers</c> layers, then its final
/// norm and LM head, draft a chain. Drafting appends to the target's cache (the early layers' entries are real, the
/// later ones are not) and is truncated away before the full model verifies. No second model, no training.
/// </summary>
public sealed class SelfSpeculativeDrafter : IDrafter
{
    private readonly int _layers;
    private readonly int _draftMin;
    private readonly float _pMin;
    private readonly ChainDrafting _drafting;
    private readonly ForwardBatch _batch = new(1);
    private float[] _logits = [];

    public SelfSpeculativeDrafter(SpeculationOptions options)
    {
        _layers = options.SelfSpeculationLayers;
        _draftMin = options.DraftMin;
        _pMin = options.DraftPMin;
        _drafting = new ChainDrafting();
    }

    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        var model = context.Target;
        if (_layers >= model.Config.LayerCount)
            throw new ArgumentException($"self-speculation with {_layers} layers needs a model with more; this one has {model.Config.LayerCount}");
        if (_logits.Length != model.Config.VocabSize) _logits = new float[model.Config.VocabSize];
        var cache = context.TargetCache;
        int start = cache.Count;
        var exit = new ForwardOptions { ExitAfterLayer = _layers };
        _drafting.Begin(context.TargetChain, context.DraftRng);
        int token = context.Tokens[^1];
        try
        {
            for (int d = 0; d < limit && cache.Count < cache.Capacity; d++)
            {
                _batch.Clear();
                _batch.Add(token, cache.Count, 0, output: true);
                model.Forward(_batch, cache, _logits, options: exit);
                int next = _drafting.Next(_logits, out var q);
                if (_pMin > 0 && d >= _draftMin && DraftConfidence.Of(_logits, next) < _pMin) break;
                tree.Add(next, d - 1, q);
                token = next;
            }
        }
        finally
        {
            cache.Truncate(start);
        }
    }

    public void Dispose() { }
}
