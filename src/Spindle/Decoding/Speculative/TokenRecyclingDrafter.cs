namespace Spindle.Decoding.Speculative;

/// <summary>
/// Token Recycling (Luo et al., "Turning Trash into Treasure"): every verification pass computes the target's logits
/// after each drafted token, and their top candidates — discarded by plain decoding — are kept
/// (<see cref="RecycledCandidates"/>). A round's draft is a tree grown breadth-first from the root through them along a
/// static template, verified in one forward pass with a tree attention mask. The candidates persist across requests:
/// they warm up.
/// <para>
/// The paper keys the candidates by one token (a vocabulary × k matrix). Here they are also keyed by the last 2..
/// <see cref="SpeculationOptions.RecycleOrder"/> tokens and the longest context seen before wins; with small
/// vocabularies, where one token says little about the next, this raises the accepted length by half or more
/// (docs/speculative-decoding.md has the measurements).
/// </para>
/// </summary>
public sealed class TokenRecyclingDrafter : IDrafter
{
    private readonly SpeculationOptions _options;
    private readonly RecyclingTreeTemplate _template;
    private readonly int[] _nodeOf;
    private readonly ulong[] _fingerprints;
    private RecycledCandidates? _candidates;

    public TokenRecyclingDrafter(SpeculationOptions options)
    {
        _options = options;
        _template = new RecyclingTreeTemplate(options.DraftMax, options.RecycleDepth, options.RecycleCandidates);
        _nodeOf = new int[_template.Count];
        _fingerprints = new ulong[options.RecycleOrder - 1];
    }

    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        var candidates = CandidatesFor(context.Target.Config.VocabSize);
        int root = context.Tokens[^1];
        var parents = _template.Parents;
        var ranks = _template.Ranks;
        // Breadth-first template order: stopping at the limit keeps every node's parent.
        for (int i = 0; i < _template.Count && tree.Count < limit; i++)
        {
            int parentNode = parents[i] < 0 ? -1 : _nodeOf[parents[i]];
            _nodeOf[i] = -2;
            if (parentNode == -2) continue; // its parent had no candidate
            int from = parentNode < 0 ? root : tree.Tokens[parentNode];
            Fingerprints(context, tree, parentNode);
            int token = candidates.Row(from, _fingerprints)[ranks[i]];
            if (token < 0) continue;
            _nodeOf[i] = tree.Add(token, parentNode);
        }
    }

    public void Observe(DraftContext context, DraftTree tree, ReadOnlySpan<float> rows, int vocabularySize)
    {
        var candidates = CandidatesFor(vocabularySize);
        for (int node = -1; node < tree.Count; node++)
        {
            Fingerprints(context, tree, node);
            int token = node < 0 ? context.Tokens[^1] : tree.Tokens[node];
            candidates.Record(token, _fingerprints, rows.Slice((1 + node) * vocabularySize, vocabularySize));
        }
    }

    /// <summary>Fills the fingerprints of the last 2, 3, … tokens ending at <paramref name="node"/> (−1: the root); 0 past the sequence's start.</summary>
    private void Fingerprints(DraftContext context, DraftTree tree, int node)
    {
        ulong h = 0x243F6A8885A308D3UL;
        int tokenCount = context.Tokens.Count;
        int index = tokenCount - 1; // where the walk continues in the sequence once it leaves the tree
        for (int back = 0; back <= _fingerprints.Length; back++)
        {
            int token;
            if (node >= 0)
            {
                token = tree.Tokens[node];
                node = tree.Parent(node);
            }
            else token = index >= 0 ? context.Tokens[index--] : -1;
            if (token < 0)
            {
                _fingerprints.AsSpan(Math.Max(back - 1, 0)).Clear();
                return;
            }
            h = (h ^ (uint)token) * 0x9E3779B97F4A7C15UL;
            h ^= h >> 29;
            if (back > 0) _fingerprints[back - 1] = h | 1;
        }
    }

    private RecycledCandidates CandidatesFor(int vocabularySize)
    {
        if (_candidates?.VocabularySize != vocabularySize)
            _candidates = new RecycledCandidates(vocabularySize, _options.RecycleCandidates, _options.RecycleOrder);
        return _candidates;
    }

    public void Dispose() { }
}
