namespace Spindle.Sampling;

/// <summary>
/// Exclude Top Choices (XTC): with probability <see cref="Probability"/>, when at least two tokens reach
/// <see cref="Threshold"/>, removes all of them but the least likely, to steer away from the most predictable words.
/// </summary>
public sealed class XtcStage(float probability, float threshold, SamplerRng rng, int minKeep = 1) : ILogitsStage
{
    private SamplerRng _rng = rng;

    public float Probability { get; } = probability;
    public float Threshold { get; } = threshold;

    public void Apply(CandidateSet candidates)
    {
        if (Probability <= 0f || Threshold > 0.5f || candidates.Count < 2) return;
        if (_rng.NextDouble() >= Probability) return;
        candidates.SortByLogit();
        candidates.Softmax();
        var items = candidates.Items;
        int above = 0;
        while (above < items.Length && items[above].Probability >= Threshold) above++;
        if (above < 2) return;
        // Drop the first (above − 1) tokens: the last token over the threshold survives.
        int drop = above - 1;
        if (items.Length - drop < minKeep) return;
        items[drop..].CopyTo(items);
        candidates.Truncate(items.Length - drop);
    }

    public void Accept(int token) { }

    public void Reset() { }

    public ILogitsStage Clone() => new XtcStage(Probability, Threshold, _rng.Clone(), minKeep);
}
