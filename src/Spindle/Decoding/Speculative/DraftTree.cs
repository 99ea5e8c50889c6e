using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// The tokens a drafter proposes after the last accepted token (the root, which is not a node): a chain, or a tree
/// whose nodes come after their parents. A sampled node keeps the distribution it was drawn from (needed by the
/// rejection rule); a node without one was chosen deterministically (all its draft mass on the token).
/// Reused every round: adding allocates only when a round needs more room than any before.
/// </summary>
public sealed class DraftTree
{
    private int[] _tokens = new int[16];
    private int[] _parents = new int[16];
    private int[] _depths = new int[16];
    private int[] _qStart = new int[16];
    private int[] _qCount = new int[16];
    private TokenCandidate[] _q = new TokenCandidate[256];
    private int _qUsed;

    public int Count { get; private set; }

    /// <summary>True when every node's parent is the node before it (no branches): causal order suffices.</summary>
    public bool IsChain { get; private set; } = true;

    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Count);

    public int Parent(int node) => _parents[node];

    /// <summary>1 for the root's children.</summary>
    public int Depth(int node) => _depths[node];

    public void Clear()
    {
        Count = 0;
        _qUsed = 0;
        IsChain = true;
    }

    /// <summary>Adds a deterministic draft of <paramref name="token"/> under <paramref name="parent"/> (−1: the root).</summary>
    public int Add(int token, int parent) => Add(token, parent, default);

    /// <summary>Adds <paramref name="token"/> drawn from <paramref name="distribution"/> (probabilities summing to 1).</summary>
    public int Add(int token, int parent, ReadOnlySpan<TokenCandidate> distribution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parent, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(parent, Count);
        if (Count == _tokens.Length) Grow();
        int node = Count++;
        _tokens[node] = token;
        _parents[node] = parent;
        _depths[node] = parent < 0 ? 1 : _depths[parent] + 1;
        if (parent != node - 1) IsChain = false;
        _qStart[node] = _qUsed;
        _qCount[node] = distribution.Length;
        if (!distribution.IsEmpty)
        {
            if (_qUsed + distribution.Length > _q.Length) Array.Resize(ref _q, Math.Max(_q.Length * 2, _qUsed + distribution.Length));
            distribution.CopyTo(_q.AsSpan(_qUsed));
            _qUsed += distribution.Length;
        }
        return node;
    }

    /// <summary>The distribution the node was drawn from; empty for a deterministic draft.</summary>
    public ReadOnlySpan<TokenCandidate> Distribution(int node) => _q.AsSpan(_qStart[node], _qCount[node]);

    private void Grow()
    {
        int n = _tokens.Length * 2;
        Array.Resize(ref _tokens, n);
        Array.Resize(ref _parents, n);
        Array.Resize(ref _depths, n);
        Array.Resize(ref _qStart, n);
        Array.Resize(ref _qCount, n);
    }
}
