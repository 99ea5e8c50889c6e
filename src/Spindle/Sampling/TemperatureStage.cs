namespace Spindle.Sampling;

/// <summary>
/// Divides logits by the temperature. Temperature ≤ 0 keeps only the most likely token (greedy). With a dynamic range
/// (Δ > 0) the temperature moves within [T − Δ, T + Δ] with the normalized entropy of the distribution raised to
/// <see cref="Exponent"/> (llama.cpp temp_ext, "entropy-based dynamic temperature").
/// </summary>
public sealed class TemperatureStage(float temperature, float dynamicRange = 0f, float exponent = 1f) : StatelessStage
{
    public float Temperature { get; } = temperature;
    public float DynamicRange { get; } = dynamicRange;
    public float Exponent { get; } = exponent;

    public override void Apply(CandidateSet candidates)
    {
        if (candidates.Count == 0) return;
        if (Temperature <= 0f)
        {
            candidates.KeepTop(1);
            return;
        }
        float t = Temperature;
        if (DynamicRange > 0f && candidates.Count > 1)
        {
            float minTemp = Math.Max(0f, Temperature - DynamicRange);
            float maxTemp = Temperature + DynamicRange;
            candidates.Softmax();
            double entropy = 0;
            foreach (ref var c in candidates.Items)
            {
                if (c.Probability > 0) entropy -= c.Probability * Math.Log(c.Probability);
            }
            double maxEntropy = Math.Log(candidates.Count);
            double normalized = entropy / maxEntropy;
            t = (float)(minTemp + (maxTemp - minTemp) * Math.Pow(normalized, Exponent));
            if (t <= 0f)
            {
                candidates.KeepTop(1);
                return;
            }
        }
        float inv = 1f / t;
        foreach (ref var c in candidates.Items) c.Logit *= inv;
    }
}
