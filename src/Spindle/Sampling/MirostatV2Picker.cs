namespace Spindle.Sampling;

/// <summary>
/// Mirostat 2.0 (Basu et al., "Mirostat: a neural text decoding algorithm that directly controls perplexity"): drops
/// tokens whose surprise −log2 p exceeds μ, samples from the rest, and moves μ by η × (observed surprise − τ) so the
/// text's average surprise settles at the target τ. μ starts at 2τ.
/// The observed surprise is measured, as in the paper, on the distribution Mirostat was given (before its own
/// truncation); llama.cpp measures it after renormalizing, which makes the raw surprise overshoot τ.
/// </summary>
public sealed class MirostatV2Picker : ILogitsStage, IShapedPicker
{
    // Probability mass Shape kept: a kept token's probability before renormalizing is its shaped one times this.
    private float _shapedMass = 1f;

    private SamplerRng _rng;

    public MirostatV2Picker(float tau, float eta, SamplerRng rng)
    {
        Tau = tau;
        Eta = eta;
        _rng = rng;
        Mu = 2 * tau;
    }

    public float Tau { get; }
    public float Eta { get; }

    /// <summary>The current maximum surprise allowed, in bits.</summary>
    public float Mu { get; private set; }

    public void Apply(CandidateSet candidates)
    {
        int keep = KeepCount(candidates);
        var items = candidates.Items;
        // Sample among the kept tokens in proportion to their (renormalized) probabilities.
        int chosen = DistributionPicker.DrawAmongFirst(items, keep, _rng);
        float chosenOriginal = items[chosen].Probability;
        candidates.Selected = items[chosen].Id;
        Update(chosenOriginal);
        candidates.Truncate(keep);
        candidates.Renormalize();
    }

    public void Shape(CandidateSet candidates) => _shapedMass = MirostatShaping.Shape(candidates, KeepCount(candidates));

    public void Commit(CandidateSet shaped, int token) => Update(MirostatShaping.OriginalProbability(shaped, token, _shapedMass));

    /// <summary>Sorts and softmaxes the candidates; returns how many fit the surprise budget (at least one).</summary>
    private int KeepCount(CandidateSet candidates)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("no candidate token is left to pick");
        candidates.SortByLogit();
        candidates.Softmax();
        var items = candidates.Items;
        // Keep the most likely token always, then every token within the surprise budget.
        int keep = 1;
        while (keep < items.Length && -MathF.Log2(items[keep].Probability) <= Mu) keep++;
        return keep;
    }

    private void Update(float chosenProbability) => Mu -= Eta * (-MathF.Log2(chosenProbability) - Tau);

    public void Accept(int token) { }

    public void Reset() => Mu = 2 * Tau;

    public ILogitsStage Clone() => new MirostatV2Picker(Tau, Eta, _rng.Clone()) { Mu = Mu, _shapedMass = _shapedMass };
}
