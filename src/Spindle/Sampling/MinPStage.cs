namespace Spindle.Sampling;

/// <summary>Keeps tokens whose probability is at least P times the top token's (compared on logits, as llama.cpp does).</summary>
public sealed class MinPStage(float p, int minKeep = 1) : StatelessStage
{
    public float P { get; } = p;

    public override void Apply(CandidateSet candidates)
    {
        if (P <= 0f || candidates.Count == 0) return;
        float threshold = candidates.MaxLogit() + MathF.Log(P);
        var items = candidates.Items;
        int passing = 0;
        foreach (ref var c in items)
        {
            if (c.Logit >= threshold) passing++;
        }
        if (passing < minKeep)
        {
            candidates.KeepTop(minKeep);
            return;
        }
        // Compaction keeps relative order, so a sorted set stays sorted.
        int kept = 0;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].Logit >= threshold) items[kept++] = items[i];
        }
        candidates.Truncate(kept);
    }
}
