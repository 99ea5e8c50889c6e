namespace Spindle.Sampling;

/// <summary>Picks the most likely remaining token (lowest id on ties).</summary>
public sealed class GreedyPicker : StatelessStage, IShapedPicker
{
    public static readonly GreedyPicker Instance = new();

    public override void Apply(CandidateSet candidates)
    {
        var items = candidates.Items;
        if (items.Length == 0) throw new InvalidOperationException("no candidate token is left to pick");
        int best = 0;
        for (int i = 1; i < items.Length; i++)
        {
            if (items[i].Logit > items[best].Logit || (items[i].Logit == items[best].Logit && items[i].Id < items[best].Id))
                best = i;
        }
        candidates.Selected = items[best].Id;
    }

    /// <summary>All the mass on the token <see cref="Apply"/> picks.</summary>
    public void Shape(CandidateSet candidates)
    {
        Apply(candidates);
        int best = candidates.Selected;
        candidates.Selected = -1;
        var items = candidates.Items;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].Id != best) continue;
            (items[0], items[i]) = (items[i], items[0]);
            break;
        }
        items[0].Probability = 1f;
        candidates.Truncate(1);
    }

    public void Commit(CandidateSet shaped, int token) { }
}
