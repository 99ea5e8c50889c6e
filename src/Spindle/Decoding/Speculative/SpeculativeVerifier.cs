using Spindle.Sampling;

namespace Spindle.Decoding.Speculative;

/// <summary>
/// The rejection rule that makes speculation lossless. At a position whose target distribution is p, the drafted
/// children are tried in order: a child x drawn from q is accepted with probability min(1, p(x)/q(x)); on rejection p
/// becomes the residual max(0, p − q), renormalized, and the next child is tried against it (for a deterministic child
/// q puts all its mass on x, so the residual just drops x). When every child is rejected, the position's token is
/// drawn from what is left. Each step leaves the token distributed exactly as p, so the sequence is the target's.
/// </summary>
internal sealed class SpeculativeVerifier
{
    private readonly float[] _p;
    private readonly SamplerRng _rng;
    private readonly bool _broken;

    public int VocabularySize => _p.Length;

    public SpeculativeVerifier(int vocabularySize, SamplerRng rng, bool brokenResidual = false)
    {
        _p = new float[vocabularySize];
        _rng = rng;
        _broken = brokenResidual;
    }

    /// <summary>
    /// Chooses the token after <paramref name="parent"/> (−1: the root) from the target's <paramref name="shaped"/>
    /// distribution; <paramref name="acceptedNode"/> is the child it accepted, or −1 when the token was drawn instead.
    /// </summary>
    public int Decide(CandidateSet shaped, DraftTree tree, int parent, out int acceptedNode)
    {
        var support = shaped.Items;
        float mass = 0;
        foreach (ref var c in support)
        {
            _p[c.Id] = c.Probability;
            mass += c.Probability;
        }
        try
        {
            for (int node = parent + 1; node < tree.Count; node++)
            {
                if (tree.Parent(node) != parent) continue;
                int x = tree.Tokens[node];
                var q = tree.Distribution(node);
                if (q.IsEmpty)
                {
                    float px = (uint)x < (uint)_p.Length ? _p[x] : 0f;
                    if (px > 0 && _rng.NextDouble() * mass < px)
                    {
                        acceptedNode = node;
                        return x;
                    }
                    if (px > 0 && !_broken)
                    {
                        _p[x] = 0;
                        mass -= px;
                    }
                }
                else
                {
                    float qx = Probability(q, x);
                    float px = (uint)x < (uint)_p.Length ? _p[x] / mass : 0f;
                    if (px > 0 && (px >= qx || _rng.NextDouble() * qx < px))
                    {
                        acceptedNode = node;
                        return x;
                    }
                    if (!_broken) mass = Residual(support, q, mass);
                }
                if (mass <= 0) break;
            }
            acceptedNode = -1;
            return mass > 0 ? Draw(support, mass) : support[0].Id;
        }
        finally
        {
            foreach (ref var c in support) _p[c.Id] = 0;
        }
    }

    /// <summary>p ← max(0, p − q) over p's support (q is a distribution, p held unnormalized with total <paramref name="mass"/>).</summary>
    private float Residual(Span<TokenCandidate> support, ReadOnlySpan<TokenCandidate> q, float mass)
    {
        float scale = 1f / mass;
        foreach (ref var c in support) _p[c.Id] *= scale;
        foreach (var d in q)
        {
            if ((uint)d.Id < (uint)_p.Length && _p[d.Id] > 0) _p[d.Id] = Math.Max(0f, _p[d.Id] - d.Probability);
        }
        float left = 0;
        foreach (ref var c in support) left += _p[c.Id];
        return left;
    }

    private int Draw(Span<TokenCandidate> support, float mass)
    {
        double u = _rng.NextDouble() * mass;
        double cumulative = 0;
        int last = support[0].Id;
        foreach (ref var c in support)
        {
            float p = _p[c.Id];
            if (p <= 0) continue;
            cumulative += p;
            last = c.Id;
            if (u < cumulative) return c.Id;
        }
        return last;
    }

    private static float Probability(ReadOnlySpan<TokenCandidate> q, int token)
    {
        foreach (var d in q)
            if (d.Id == token) return d.Probability;
        return 0f;
    }
}
