namespace Spindle.Decoding.Speculative;

/// <summary>
/// The static shape of a Token Recycling draft tree: which candidate rank each node takes from its parent's adjacency
/// row. Built best-first: a node's estimated chance of being reached is the product of its path's rank acceptance
/// rates, and the most likely nodes (up to a node budget and a depth) make the tree, parents before children.
/// </summary>
internal sealed class RecyclingTreeTemplate
{
    // Rough chance that the target's next token is its parent's rank-r recycled candidate (top-1 is right most often).
    private static readonly double[] RankAcceptance = [0.55, 0.15, 0.07, 0.04, 0.025, 0.015, 0.01, 0.008];

    public RecyclingTreeTemplate(int nodes, int maxDepth, int ranks)
    {
        var parents = new List<int>();
        var rankOf = new List<int>();
        var depthOf = new List<int>();
        // Frontier of (score, parent template index, rank); expand the best until the budget is spent.
        var frontier = new PriorityQueue<(int Parent, int Rank, int Depth), double>();
        for (int r = 0; r < ranks; r++) frontier.Enqueue((-1, r, 1), -Rate(r));
        var score = new List<double>();
        while (parents.Count < nodes && frontier.TryDequeue(out var item, out double negScore))
        {
            int index = parents.Count;
            parents.Add(item.Parent);
            rankOf.Add(item.Rank);
            depthOf.Add(item.Depth);
            score.Add(-negScore);
            if (item.Depth >= maxDepth) continue;
            for (int r = 0; r < ranks; r++) frontier.Enqueue((index, r, item.Depth + 1), negScore * Rate(r));
        }
        // Best-first order already puts parents before children; sort by depth for a breadth-first layout.
        var order = Enumerable.Range(0, parents.Count).OrderBy(i => depthOf[i]).ThenBy(i => -score[i]).ToArray();
        var newIndex = new int[order.Length];
        for (int i = 0; i < order.Length; i++) newIndex[order[i]] = i;
        Parents = new int[order.Length];
        Ranks = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            int old = order[i];
            Parents[i] = parents[old] < 0 ? -1 : newIndex[parents[old]];
            Ranks[i] = rankOf[old];
        }
    }

    /// <summary>Template index of each node's parent (−1: the root); parents come first.</summary>
    public int[] Parents { get; }

    /// <summary>Which of the parent's recycled candidates each node takes (0: the most likely).</summary>
    public int[] Ranks { get; }

    public int Count => Parents.Length;

    private static double Rate(int rank) => rank < RankAcceptance.Length ? RankAcceptance[rank] : RankAcceptance[^1] / (rank - RankAcceptance.Length + 2);
}
