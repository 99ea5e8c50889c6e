namespace Spindle.Decoding.Speculative;

/// <summary>
/// Token Recycling (Luo et al., "Turning Trash into Treasure"): every verification pass computes the target's logits
/// after each drafted token, and their top candidates — discarded by plain decoding — are kept in an adjacency matrix
/// (row t: the likeliest tokens after t). A round's draft is a tree grown breadth-first from the root through that
/// matrix along a static template, verified in one forward pass with a tree attention mask. The matrix
/// (vocabulary × <see cref="SpeculationOptions.RecycleCandidates"/> ids) persists across requests: it warms up.
/// </summary>
public sealed class TokenRecyclingDrafter : IDrafter
{
    private readonly int _candidates;
    private readonly int _depth;
    private int[] _adjacency = [];
    private int _vocabulary;
    private readonly RecyclingTreeTemplate _template;
    private readonly int[] _nodeOf;
    private readonly float[] _topLogits;

    public TokenRecyclingDrafter(SpeculationOptions options)
    {
        _candidates = options.RecycleCandidates;
        _depth = options.RecycleDepth;
        _topLogits = new float[_candidates];
        _template = new RecyclingTreeTemplate(options.DraftMax, _depth, _candidates);
        _nodeOf = new int[_template.Count];
    }

    public void Draft(DraftContext context, DraftTree tree, int limit)
    {
        tree.Clear();
        EnsureMatrix(context.Target.Config.VocabSize);
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
            int token = _adjacency[from * _candidates + ranks[i]];
            if (token < 0) continue;
            _nodeOf[i] = tree.Add(token, parentNode);
        }
    }

    public void Observe(int root, DraftTree tree, ReadOnlySpan<float> rows, int vocabularySize)
    {
        EnsureMatrix(vocabularySize);
        Record(root, rows[..vocabularySize]);
        for (int i = 0; i < tree.Count; i++) Record(tree.Tokens[i], rows.Slice((1 + i) * vocabularySize, vocabularySize));
    }

    /// <summary>Row <paramref name="token"/> becomes the top candidates of <paramref name="logits"/>, best first.</summary>
    private void Record(int token, ReadOnlySpan<float> logits)
    {
        if ((uint)token >= (uint)_vocabulary) return;
        var ids = _adjacency.AsSpan(token * _candidates, _candidates);
        var top = _topLogits.AsSpan();
        int k = ids.Length;
        ids.Fill(-1);
        top.Fill(float.NegativeInfinity);
        float floor = float.NegativeInfinity;
        for (int v = 0; v < logits.Length; v++)
        {
            float x = logits[v];
            if (x <= floor) continue;
            // Insert into the sorted top-k (k is small), dropping the last.
            int j = k - 1;
            while (j > 0 && top[j - 1] < x)
            {
                top[j] = top[j - 1];
                ids[j] = ids[j - 1];
                j--;
            }
            top[j] = x;
            ids[j] = v;
            floor = top[k - 1];
        }
    }

    private void EnsureMatrix(int vocabularySize)
    {
        if (_vocabulary == vocabularySize) return;
        _vocabulary = vocabularySize;
        _adjacency = new int[(long)vocabularySize * _candidates <= int.MaxValue ? vocabularySize * _candidates : throw new ArgumentException("vocabulary too large for the adjacency matrix")];
        Array.Fill(_adjacency, -1);
    }

    public void Dispose() { }
}
