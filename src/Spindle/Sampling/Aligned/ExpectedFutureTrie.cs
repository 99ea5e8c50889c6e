namespace Spindle.Sampling.Aligned;

/// <summary>
/// The visited prefixes of grammar-aligned sampling, each with its estimate Ẽ(w) of the expected future
/// grammaticality EFG(w) = Σ over grammatical completions y of w of P(y | w).
/// </summary>
/// <remarks>
/// <para>A node stores, once it has been expanded (its next-token distribution seen), the LM mass of the tokens the
/// grammar allows after it, <c>allowed(w) = Σ_{t allowed} P(t|w)</c>: that is Ẽ(w) while no child has been
/// learned, because an unvisited grammatical child keeps the mask's over-approximation Ẽ = 1. A visited child c with
/// branch probability p = P(c|w) replaces its 1 by Ẽ(c), so
/// <c>Ẽ(w) = allowed(w) − Σ_{visited c} p_c · (1 − Ẽ(c))</c>; the sum is kept as <c>deficit(w)</c> and updated by
/// the change of a child's estimate, so a backup costs O(depth), not O(children).</para>
/// <para>Estimates only fall, and stay ≥ EFG(w) (each is an exact backup of over-approximations), which is what makes
/// the sampler's distribution converge to the grammar-conditioned one. Nodes live in flat arrays (struct of arrays);
/// children are a linked list for the per-step walk plus one dictionary for lookup by (parent, token).</para>
/// </remarks>
internal sealed class ExpectedFutureTrie
{
    public const int Root = 0;
    private const int InitialCapacity = 64;

    private readonly int _maxNodes;
    private int[] _parent = new int[InitialCapacity];
    private int[] _token = new int[InitialCapacity];
    private int[] _firstChild = new int[InitialCapacity];
    private int[] _nextSibling = new int[InitialCapacity];
    private double[] _branchProbability = new double[InitialCapacity];
    private double[] _allowedMass = new double[InitialCapacity];
    private double[] _deficit = new double[InitialCapacity];
    private double[] _estimate = new double[InitialCapacity];
    private bool[] _expanded = new bool[InitialCapacity];
    private readonly Dictionary<long, int> _children = [];

    public ExpectedFutureTrie(int maxNodes)
    {
        if (maxNodes < 1) throw new ArgumentOutOfRangeException(nameof(maxNodes), maxNodes, "the trie needs room for at least its root");
        _maxNodes = maxNodes;
        Clear();
    }

    public int NodeCount { get; private set; }

    public bool IsFull => NodeCount >= _maxNodes;

    public void Clear()
    {
        _children.Clear();
        NodeCount = 0;
        AddNode(-1, -1, 1.0);
    }

    public bool IsExpanded(int node) => _expanded[node];

    public double Estimate(int node) => _estimate[node];

    public int FirstChild(int node) => _firstChild[node];

    public int NextSibling(int node) => _nextSibling[node];

    public int TokenOf(int node) => _token[node];

    /// <summary>The child for <paramref name="token"/>, or -1 when it was never visited.</summary>
    public int Child(int node, int token) => _children.TryGetValue(Key(node, token), out int child) ? child : -1;

    /// <summary>
    /// The child for <paramref name="token"/>, created with branch probability <paramref name="probability"/> and
    /// estimate 1 (the mask's over-approximation) if new; -1 when the trie is full.
    /// </summary>
    public int ChildOrAdd(int node, int token, double probability)
    {
        long key = Key(node, token);
        if (_children.TryGetValue(key, out int child)) return child;
        if (IsFull) return -1;
        child = AddNode(node, token, probability);
        _children.Add(key, child);
        return child;
    }

    /// <summary>Records the allowed mass of a node seen for the first time and backs the change up to the root.</summary>
    public void Expand(int node, double allowedMass)
    {
        if (_expanded[node]) return;
        _expanded[node] = true;
        _allowedMass[node] = Math.Clamp(allowedMass, 0.0, 1.0);
        BackUp(node);
    }

    private void BackUp(int node)
    {
        while (node >= 0)
        {
            double old = _estimate[node];
            // Rounding in the running deficit can leave a hair below zero when all allowed mass is learned away.
            double updated = Math.Max(0.0, _allowedMass[node] - _deficit[node]);
            if (updated == old) return;
            _estimate[node] = updated;
            int parent = _parent[node];
            if (parent < 0 || !_expanded[parent]) return;
            _deficit[parent] += _branchProbability[node] * (old - updated);
            node = parent;
        }
    }

    private int AddNode(int parent, int token, double probability)
    {
        int node = NodeCount;
        if (node == _parent.Length) Grow();
        _parent[node] = parent;
        _token[node] = token;
        _firstChild[node] = -1;
        _nextSibling[node] = parent >= 0 ? _firstChild[parent] : -1;
        if (parent >= 0) _firstChild[parent] = node;
        _branchProbability[node] = probability;
        _allowedMass[node] = 1.0;
        _deficit[node] = 0.0;
        _estimate[node] = 1.0;
        _expanded[node] = false;
        NodeCount = node + 1;
        return node;
    }

    private void Grow()
    {
        int size = (int)Math.Min((long)_parent.Length * 2, Math.Max(_maxNodes, InitialCapacity));
        Array.Resize(ref _parent, size);
        Array.Resize(ref _token, size);
        Array.Resize(ref _firstChild, size);
        Array.Resize(ref _nextSibling, size);
        Array.Resize(ref _branchProbability, size);
        Array.Resize(ref _allowedMass, size);
        Array.Resize(ref _deficit, size);
        Array.Resize(ref _estimate, size);
        Array.Resize(ref _expanded, size);
    }

    private static long Key(int node, int token) => ((long)node << 32) | (uint)token;
}
