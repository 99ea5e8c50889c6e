using Spindle.Tensors.Ops;

namespace Spindle.Generation;

/// <summary>
/// The model's raw log-softmax, computed once per step from the logits before any sampler stage touches them:
/// ln p(i) = logit(i) − (max + ln Σ exp(logit − max)). The exponentials go to a buffer made once, so a step allocates nothing.
/// </summary>
public sealed class RawLogprobs
{
    private float[] _exp;

    public RawLogprobs(int vocabularySize) => _exp = new float[vocabularySize];

    /// <summary>ln Σ exp(logit) of the last <see cref="Compute"/>.</summary>
    public float LogSumExp { get; private set; }

    public void Compute(ReadOnlySpan<float> logits)
    {
        if (_exp.Length < logits.Length) _exp = new float[logits.Length];
        LogSumExp = Softmax.LogSumExp(logits, _exp);
    }

    public float Of(ReadOnlySpan<float> logits, int token) => logits[token] - LogSumExp;

    /// <summary>Writes the <paramref name="destination"/>.Length most likely tokens, best first (ties: lower id first).</summary>
    public void Top(ReadOnlySpan<float> logits, Span<TokenLogprob> destination)
    {
        Span<int> ids = destination.Length <= 256 ? stackalloc int[destination.Length] : new int[destination.Length];
        int n = TopK.Select(logits, ids);
        for (int i = 0; i < n; i++) destination[i] = new TokenLogprob(ids[i], logits[ids[i]] - LogSumExp);
    }
}
