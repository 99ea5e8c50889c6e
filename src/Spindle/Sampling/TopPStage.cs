namespace Spindle.Sampling;

/// <summary>Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least P.</summary>
public sealed class TopPStage(float p, int minKeep = 1) : StatelessStage
{
    public float P { get; } = p;

    public override void Apply(CandidateSet candidates)
    {
        if (P >= 1f) return;
        candidates.SortByLogit();
        candidates.Softmax();
        var items = candidates.Items;
        float cumulative = 0;
        int keep = items.Length;
        for (int i = 0; i < items.Length; i++)
        {
            cumulative += items[i].Probability;
            if (cumulative >= P && i + 1 >= minKeep)
            {
                keep = i + 1;
                break;
            }
        }
        candidates.Truncate(keep);
    }
}
