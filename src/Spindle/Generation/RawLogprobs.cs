using System.Numerics.Tensors;

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
        var exp = _exp.AsSpan(0, logits.Length);
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, exp);
        TensorPrimitives.Exp(exp, exp);
        LogSumExp = max + MathF.Log(TensorPrimitives.Sum(exp));
    }

    public float Of(ReadOnlySpan<float> logits, int token) => logits[token] - LogSumExp;

    /// <summary>Writes the <paramref name="destination"/>.Length most likely tokens, best first (ties: lower id first).</summary>
    public void Top(ReadOnlySpan<float> logits, Span<TokenLogprob> destination)
    {
        int n = Math.Min(destination.Length, logits.Length);
        if (n == 0) return;
        // Insertion into a short sorted list: n is a handful, so O(V·n) in the worst case and O(V) typically.
        int filled = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float value = logits[i];
            if (filled == n && value <= destination[n - 1].Logprob) continue;
            int at = filled < n ? filled++ : n - 1;
            while (at > 0 && destination[at - 1].Logprob < value)
            {
                destination[at] = destination[at - 1];
                at--;
            }
            destination[at] = new TokenLogprob(i, value);
        }
        for (int i = 0; i < n; i++) destination[i] = destination[i] with { Logprob = destination[i].Logprob - LogSumExp };
    }
}
