namespace Spindle.Sampling;

/// <summary>
/// Mirostat 1.0 (Basu et al.): estimates the Zipf exponent ŝ from the top <see cref="M"/> probabilities, derives the
/// top-k that would give surprise μ, samples from it, and moves μ by η × (observed surprise − τ). Surprise is measured
/// on the distribution Mirostat was given, as in the paper.
/// </summary>
public sealed class MirostatV1Picker : ILogitsStage, IShapedPicker
{
    // Probability mass Shape kept: a kept token's probability before renormalizing is its shaped one times this.
    private float _shapedMass = 1f;

    private SamplerRng _rng;

    public MirostatV1Picker(float tau, float eta, int vocabularySize, SamplerRng rng, int m = 100)
    {
        Tau = tau;
        Eta = eta;
        M = m;
        VocabularySize = vocabularySize;
        _rng = rng;
        Mu = 2 * tau;
    }

    public float Tau { get; }
    public float Eta { get; }
    public int M { get; }
    public int VocabularySize { get; }
    public float Mu { get; private set; }

    public void Apply(CandidateSet candidates)
    {
        int topK = KeepCount(candidates);
        var items = candidates.Items;
        int chosen = DistributionPicker.DrawAmongFirst(items, topK, _rng);
        float observed = -MathF.Log2(items[chosen].Probability);
        candidates.Selected = items[chosen].Id;
        Mu -= Eta * (observed - Tau);
        candidates.Truncate(topK);
        candidates.Renormalize();
    }

    public void Shape(CandidateSet candidates) => _shapedMass = MirostatShaping.Shape(candidates, KeepCount(candidates));

    public void Commit(CandidateSet shaped, int token) =>
        Mu -= Eta * (-MathF.Log2(MirostatShaping.OriginalProbability(shaped, token, _shapedMass)) - Tau);

    /// <summary>Sorts and softmaxes the candidates; returns the top-k whose expected surprise is μ.</summary>
    private int KeepCount(CandidateSet candidates)
    {
        if (candidates.Count == 0) throw new InvalidOperationException("no candidate token is left to pick");
        candidates.SortByLogit();
        candidates.Softmax();
        var items = candidates.Items;

        // Least-squares fit of log(p_i / p_{i+1}) against log((i+2)/(i+1)) over the top M tokens gives ŝ.
        double sumTiBi = 0, sumTiSq = 0;
        int m = Math.Min(M, items.Length);
        for (int i = 0; i < m - 1; i++)
        {
            double ti = Math.Log((i + 2) / (double)(i + 1));
            double bi = Math.Log(items[i].Probability / (double)items[i + 1].Probability);
            if (!double.IsFinite(bi)) continue;
            sumTiBi += ti * bi;
            sumTiSq += ti * ti;
        }
        double sHat = sumTiSq > 0 ? sumTiBi / sumTiSq : 1.0;
        double epsilonHat = sHat - 1;
        double k = epsilonHat > 1e-9
            ? Math.Pow(epsilonHat * Math.Pow(2, Mu) / (1 - Math.Pow(VocabularySize, -epsilonHat)), 1 / sHat)
            : items.Length;
        return (int)Math.Clamp(Math.Round(k), 1, items.Length);
    }

    public void Accept(int token) { }

    public void Reset() => Mu = 2 * Tau;

    public ILogitsStage Clone() => new MirostatV1Picker(Tau, Eta, VocabularySize, _rng.Clone(), M) { Mu = Mu, _shapedMass = _shapedMass };
}
