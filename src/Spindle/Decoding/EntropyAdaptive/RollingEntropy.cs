using System.Numerics.Tensors;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// The entropy (nats) of a next-token distribution and its mean over the last few steps. The window is a ring of
/// doubles made once, so pushing a step allocates nothing.
/// </summary>
public sealed class RollingEntropy
{
    private readonly double[] _values;
    private int _next;

    public RollingEntropy(int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _values = new double[window];
    }

    public int Window => _values.Length;

    /// <summary>Entries held: the steps so far, at most <see cref="Window"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The mean of the held entries; 0 before the first.</summary>
    public double Mean
    {
        get
        {
            // Summed afresh (w is small) rather than kept as a running sum, which would drift after many steps.
            double sum = 0;
            for (int i = 0; i < Count; i++) sum += _values[i];
            return Count == 0 ? 0 : sum / Count;
        }
    }

    public void Push(double entropy)
    {
        _values[_next] = entropy;
        _next = (_next + 1) % _values.Length;
        if (Count < _values.Length) Count++;
    }

    /// <summary>Overwrites the newest entry: the step was re-measured on another model's distribution.</summary>
    public void ReplaceLast(double entropy)
    {
        if (Count == 0) throw new InvalidOperationException("no entry to replace");
        _values[(_next - 1 + _values.Length) % _values.Length] = entropy;
    }

    public void Clear()
    {
        Count = 0;
        _next = 0;
    }

    /// <summary>
    /// H = −Σ p ln p of softmax(<paramref name="logits"/>), in nats, using <paramref name="scratch"/> (≥ the row) for the
    /// exponentials. With m = max, e = exp(logit − m) and Z = Σ e: H = ln Z − Σ e·(logit − m) / Z. Raw logits are finite;
    /// a −∞ logit (a masked row) would make 0·∞ and is not accepted here.
    /// </summary>
    public static double Of(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        if (logits.IsEmpty) throw new ArgumentException("an empty distribution has no entropy", nameof(logits));
        var e = scratch.Slice(0, logits.Length);
        float max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, e);
        // Σ e·(logit − m) needs the shifted logits and their exponentials; the shifted ones are rebuilt from the logits
        // by one dot product instead of a second buffer: Σ e·(logit − m) = Σ e·logit − m·Σ e.
        TensorPrimitives.Exp(e, e);
        double z = TensorPrimitives.Sum(e);
        double weighted = TensorPrimitives.Dot(e, logits) - (double)max * z;
        double h = Math.Log(z) - weighted / z;
        // Rounding can leave a one-hot distribution a hair below zero.
        return Math.Max(h, 0);
    }
}
