using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for Q5_K (ggml-quants.c quantize_row_q5_K_ref / dequantize_row_q5_K).</summary>
public static class Q5_KReference
{
    private const int QK_K = KQuantMath.QK_K;

    /// <summary>Quant (0..31) of weight e: the Q4_K nibble plus bit e/32 of qh[e%32] as the fifth bit.</summary>
    private static int Quant(ReadOnlySpan<byte> qs, ReadOnlySpan<byte> qh, int e)
    {
        int chunk = e / 64, r = e % 64, l = r % 32;
        int low = r < 32 ? qs[32 * chunk + l] & 0xF : qs[32 * chunk + l] >> 4;
        return low | (((qh[l] >> (e / 32)) & 1) << 4);
    }

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ5_K>(source);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ5_K b = ref blocks[i];
            float d = (float)b.D, min = (float)b.DMin;
            ReadOnlySpan<byte> qs = b.Qs, qh = b.Qh, sc = b.Scales;
            for (int j = 0; j < 8; j++)
            {
                KQuantMath.GetScaleMinK4(j, sc, out int s, out int m);
                float dl = d * s, ml = min * m;
                for (int l = 0; l < 32; l++)
                    y[i * QK_K + 32 * j + l] = dl * Quant(qs, qh, 32 * j + l) - ml;
            }
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ5_K>(destination);
        Span<byte> L = stackalloc byte[QK_K];
        Span<byte> laux = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[QK_K / 32];
        Span<float> scales = stackalloc float[QK_K / 32];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockQ5_K y = ref blocks[i];
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 32; j++)
            {
                var xs = x.Slice(32 * j, 32);
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += xs[l] * xs[l];
                float avX = MathF.Sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(xs[l]);
                scales[j] = KQuantMath.MakeQkx2Quants(32, 31, xs, weights, L.Slice(32 * j), out mins[j], laux, -0.5f, 0.1f, 15, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            Span<byte> sc = y.Scales;
            sc.Clear();
            for (int j = 0; j < QK_K / 32; j++)
            {
                byte ls = (byte)Math.Min((byte)63, (byte)KQuantMath.NearestInt(invScale * scales[j]));
                byte lm = (byte)Math.Min((byte)63, (byte)KQuantMath.NearestInt(invMin * mins[j]));
                Q4_KReference.PackScaleMin(sc, j, ls, lm);
            }
            y.D = (Half)(maxScale / 63f);
            y.DMin = (Half)(maxMin / 63f);
            float dAll = (float)y.D, mAll = (float)y.DMin;
            for (int j = 0; j < QK_K / 32; j++)
            {
                KQuantMath.GetScaleMinK4(j, sc, out int s, out int m);
                float d = dAll * s;
                if (d == 0) continue;
                float dm = mAll * m;
                for (int ii = 0; ii < 32; ii++)
                {
                    int l = KQuantMath.NearestInt((x[32 * j + ii] + dm) / d);
                    L[32 * j + ii] = (byte)Math.Max(0, Math.Min(31, l));
                }
            }
            Span<byte> qh = y.Qh, ql = y.Qs;
            qh.Clear();
            byte m1 = 1, m2 = 2;
            for (int n = 0; n < QK_K; n += 64)
            {
                for (int j = 0; j < 32; j++)
                {
                    int l1 = L[n + j];
                    if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
                    int l2 = L[n + j + 32];
                    if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
                    ql[n / 2 + j] = (byte)(l1 | (l2 << 4));
                }
                m1 <<= 2; m2 <<= 2;
            }
        }
    }

    /// <summary>ggml_vec_dot_q5_K_q8_K (generic).</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockQ5_K>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockQ5_K x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            ReadOnlySpan<byte> qs = x.Qs, qh = x.Qh, sc = x.Scales;
            ReadOnlySpan<sbyte> q8 = y.Qs;
            ReadOnlySpan<short> bs = y.BSums;
            int sumi = 0, summ = 0;
            for (int j = 0; j < 8; j++)
            {
                KQuantMath.GetScaleMinK4(j, sc, out int s, out int m);
                int dot = 0;
                for (int l = 0; l < 32; l++) dot += Quant(qs, qh, 32 * j + l) * q8[32 * j + l];
                sumi += s * dot;
                summ += m * (bs[2 * j] + bs[2 * j + 1]);
            }
            float d = y.D * (float)x.D, dmin = y.D * (float)x.DMin;
            sum += d * sumi - dmin * summ;
        }
        return sum;
    }
}
