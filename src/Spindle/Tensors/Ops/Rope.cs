using System.Diagnostics;

namespace Spindle.Tensors.Ops;

/// <summary>
/// Rotary position embedding. A table of (cos, sin) for one position is built once and applied to every head of every
/// layer. Only the first <c>ropeDimensions</c> elements of a head rotate; the rest pass through (partial rotary).
/// </summary>
public static class Rope
{
    /// <summary>
    /// Fills <paramref name="cosSin"/> (ropeDimensions floats: cos, sin per pair) for <paramref name="position"/>.
    /// The angle of pair i is position · base^(-2i/d), accumulated by repeated multiplication in float as ggml does,
    /// so that angles at long positions round the same way; then divided by the pair's frequency factor (Llama 3
    /// <c>rope_freqs</c>, when given) and multiplied by <paramref name="freqScale"/> (linear scaling, 1 / factor).
    /// </summary>
    public static void BuildTable(int position, int ropeDimensions, float freqBase, Span<float> cosSin,
        float freqScale = 1.0f, ReadOnlySpan<float> freqFactors = default)
    {
        Debug.Assert(ropeDimensions % 2 == 0 && cosSin.Length >= ropeDimensions);
        Debug.Assert(freqFactors.IsEmpty || freqFactors.Length >= ropeDimensions / 2);
        float thetaScale = MathF.Pow(freqBase, -2.0f / ropeDimensions);
        float theta = position;
        for (int i = 0; i < ropeDimensions; i += 2)
        {
            float angle = freqFactors.IsEmpty ? theta : theta / freqFactors[i / 2];
            angle *= freqScale;
            cosSin[i] = MathF.Cos(angle);
            cosSin[i + 1] = MathF.Sin(angle);
            theta *= thetaScale;
        }
    }

    /// <summary>Rotates one head vector in place.</summary>
    public static void Apply(Span<float> head, ReadOnlySpan<float> cosSin, int ropeDimensions, RopeKind kind)
    {
        Debug.Assert(ropeDimensions <= head.Length && cosSin.Length >= ropeDimensions);
        if (kind == RopeKind.Normal)
        {
            for (int i = 0; i < ropeDimensions; i += 2)
            {
                float c = cosSin[i], s = cosSin[i + 1];
                float x0 = head[i], x1 = head[i + 1];
                head[i] = x0 * c - x1 * s;
                head[i + 1] = x0 * s + x1 * c;
            }
        }
        else
        {
            int half = ropeDimensions / 2;
            for (int i = 0; i < half; i++)
            {
                float c = cosSin[2 * i], s = cosSin[2 * i + 1];
                float x0 = head[i], x1 = head[i + half];
                head[i] = x0 * c - x1 * s;
                head[i + half] = x0 * s + x1 * c;
            }
        }
    }
}
