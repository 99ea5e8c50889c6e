using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_iq4_nl (18 bytes): 32 weights as 4-bit indices into the non-linear table <see cref="Values"/>, value d * Values[q].
/// Nibble order as <see cref="BlockQ4_0"/>: low nibbles are elements 0–15, high nibbles 16–31.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockIQ4_NL
{
    public const int ElementCount = 32;

    public Half D;
    public Nibbles16 Qs;

    /// <summary>ggml kvalues_iq4nl: the 16 levels, denser near zero where weights cluster.</summary>
    public static ReadOnlySpan<sbyte> Values => Iq4NlTable.Values;

    /// <summary>ggml dequantize_row_iq4_nl.</summary>
    public static void Dequantize(ReadOnlySpan<BlockIQ4_NL> blocks, Span<float> destination)
    {
        var values = Values;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < 16; j++)
            {
                y[j] = d * values[b.Qs[j] & 0x0F];
                y[j + 16] = d * values[b.Qs[j] >> 4];
            }
        }
    }

    // ggml GROUP_MAX_EPS: a block whose largest magnitude is below this is all zero.
    private const float GroupMaxEps = 1e-15f;

    // ggml quantize_row_iq4_nl_impl tries scales (values[0] + t) / max for t in [-Tries, Tries].
    private const int Tries = 7;

    /// <summary>
    /// ggml quantize_row_iq4_nl_ref (quantize_iq4_nl without an importance matrix): each element weighs x², the scale
    /// starts at max / values[0] and is refined by weighted least squares over 15 candidate scales; the final indices are
    /// recomputed against the fp32 scale that won.
    /// </summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockIQ4_NL> blocks)
    {
        var values = Values;
        Span<byte> indices = stackalloc byte[ElementCount];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float amax = 0, max = 0;
            for (int j = 0; j < ElementCount; j++)
            {
                float ax = MathF.Abs(x[j]);
                if (ax > amax) { amax = ax; max = x[j]; }
            }

            float scale = 0;
            if (amax >= GroupMaxEps)
            {
                float d = -max / values[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < ElementCount; j++)
                {
                    float q = values[NearestIndex(values, id * x[j])];
                    float w = x[j] * x[j];
                    sumqx += w * q * x[j];
                    sumq2 += w * q * q;
                }
                d = sumqx / sumq2;
                float best = d * sumqx;
                for (int t = -Tries; t <= Tries; t++)
                {
                    id = (t + values[0]) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < ElementCount; j++)
                    {
                        float q = values[NearestIndex(values, id * x[j])];
                        float w = x[j] * x[j];
                        sumqx += w * q * x[j];
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
                    {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scale = d;
            }

            ref var b = ref blocks[i];
            b.D = (Half)scale;
            float inverse = scale != 0 ? 1 / scale : 0;
            for (int j = 0; j < ElementCount; j++) indices[j] = (byte)NearestIndex(values, inverse * x[j]);
            for (int j = 0; j < 16; j++) b.Qs[j] = (byte)(indices[j] | (indices[j + 16] << 4));
        }
    }

    /// <summary>ggml best_index_int8: the index of the table level nearest to <paramref name="x"/> (ties go up).</summary>
    internal static int NearestIndex(ReadOnlySpan<sbyte> values, float x)
    {
        if (x <= values[0]) return 0;
        if (x >= values[^1]) return values.Length - 1;
        int lo = 0, hi = values.Length - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < values[mid]) hi = mid; else lo = mid;
        }
        return x - values[hi - 1] < values[hi] - x ? hi - 1 : hi;
    }
}
