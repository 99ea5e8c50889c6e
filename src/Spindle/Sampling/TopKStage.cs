namespace Spindle.Sampling;

/// <summary>Keeps the K most likely tokens; K ≤ 0 keeps all (llama.cpp top_k).</summary>
public sealed class TopKStage(int k) : StatelessStage
{
    public int K { get; } = k;

    public override void Apply(CandidateSet candidates)
    {
        if (K <= 0) return;
        candidates.KeepTop(Math.Max(K, 1));
    }
}
