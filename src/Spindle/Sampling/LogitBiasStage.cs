namespace Spindle.Sampling;

/// <summary>Adds a fixed bias to chosen tokens' logits; −∞ bans a token.</summary>
public sealed class LogitBiasStage(IReadOnlyDictionary<int, float> biases) : StatelessStage
{
    public IReadOnlyDictionary<int, float> Biases { get; } = biases;

    public override void Apply(CandidateSet candidates)
    {
        if (Biases.Count == 0) return;
        foreach (ref var c in candidates.Items)
        {
            if (Biases.TryGetValue(c.Id, out float bias)) c.Logit += bias;
        }
        candidates.MarkUnsorted();
    }
}
