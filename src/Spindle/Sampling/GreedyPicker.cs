namespace Spindle.Sampling;

/// <summary>Picks the most likely remaining token (lowest id on ties).</summary>
public sealed class GreedyPicker : StatelessStage
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
}
