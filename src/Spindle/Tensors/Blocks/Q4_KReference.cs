using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for Q4_K (ggml-quants.c quantize_row_q4_K_ref / dequantize_row_q4_K).</summary>
public static class Q4_KReference
{
    private const int QK_K = KQuantMath.QK_K;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ4_K>(source);
        int o = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ4_K b = ref blocks[i];
            float d = (float)b.D, min = (float)b.DMin;
            ReadOnlySpan<byte> q = b.Qs, sc = b.Scales;
            // Each 32 bytes hold two sub-blocks: low nibbles first, then high nibbles.
            for (int j = 0, s = 0; j < QK_K; j += 64, s += 2)
            {
                KQuantMath.GetScaleMinK4(s, sc, out int sc1, out int m1);
                KQuantMath.GetScaleMinK4(s + 1, sc, out int sc2, out int m2);
                float d1 = d * sc1, mm1 = min * m1, d2 = d * sc2, mm2 = min * m2;
                var qq = q.Slice(j / 2, 32);
                for (int l = 0; l < 32; l++) y[o++] = d1 * (qq[l] & 0xF) - mm1;
                for (int l = 0; l < 32; l++) y[o++] = d2 * (qq[l] >> 4) - mm2;
            }
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ4_K>(destination);
        Span<byte> L = stackalloc byte[QK_K];
        Span<byte> laux = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[QK_K / 32];
        Span<float> scales = stackalloc float[QK_K / 32];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockQ4_K y = ref blocks[i];
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 32; j++)
            {
                var xs = x.Slice(32 * j, 32);
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += xs[l] * xs[l];
                float avX = MathF.Sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(xs[l]);
                scales[j] = KQuantMath.MakeQkx2Quants(32, 15, xs, weights, L.Slice(32 * j), out mins[j], laux, -1f, 0.1f, 20, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            Span<byte> sc = y.Scales;
            for (int j = 0; j < QK_K / 32; j++)
            {
                // ggml stores nearest_int into uint8_t before MIN(63, ·): keep the wrap-around.
                byte ls = (byte)Math.Min((byte)63, (byte)KQuantMath.NearestInt(invScale * scales[j]));
                byte lm = (byte)Math.Min((byte)63, (byte)KQuantMath.NearestInt(invMin * mins[j]));
                PackScaleMin(sc, j, ls, lm);
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
                    L[32 * j + ii] = (byte)Math.Max(0, Math.Min(15, l));
                }
            }
            Span<byte> q = y.Qs;
            for (int j = 0; j < QK_K; j += 64)
                for (int l = 0; l < 32; l++)
                    q[j / 2 + l] = (byte)(L[j + l] | (L[j + l + 32] << 4));
        }
    }

    /// <summary>The inverse of get_scale_min_k4 (shared with Q5_K).</summary>
    internal static void PackScaleMin(Span<byte> sc, int j, byte ls, byte lm)
    {
        if (j < 4)
        {
            sc[j] = ls;
            sc[j + 4] = lm;
        }
        else
        {
            sc[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
            sc[j - 4] |= (byte)((ls >> 4) << 6);
            sc[j] |= (byte)((lm >> 4) << 6);
        }
    }

    /// <summary>ggml_vec_dot_q4_K_q8_K (generic): Σ d·sc·Σ(q·q8) − dmin·Σ m·bsums, exact integer inner sums.</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockQ4_K>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockQ4_K x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            ReadOnlySpan<byte> q = x.Qs, sc = x.Scales;
            ReadOnlySpan<sbyte> q8 = y.Qs;
            ReadOnlySpan<short> bs = y.BSums;
            int sumi = 0, summ = 0;
            for (int j = 0; j < 8; j++)
            {
                KQuantMath.GetScaleMinK4(j, sc, out int s, out int m);
                int shift = (j & 1) * 4;
                var qq = q.Slice(32 * (j / 2), 32);
                var yy = q8.Slice(32 * j, 32);
                int dot = 0;
                for (int l = 0; l < 32; l++) dot += ((qq[l] >> shift) & 0xF) * yy[l];
                sumi += s * dot;
                summ += m * (bs[2 * j] + bs[2 * j + 1]);
            }
            float d = y.D * (float)x.D, dmin = y.D * (float)x.DMin;
            sum += d * sumi - dmin * summ;
        }
        return sum;
    }
}
