using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for Q2_K (ggml-quants.c quantize_row_q2_K_ref / dequantize_row_q2_K).</summary>
public static class Q2_KReference
{
    private const int QK_K = KQuantMath.QK_K;

    /// <summary>Quant (0..3) of weight e: byte 32·(e/128) + e%32, bits 2·((e%128)/32).</summary>
    private static int Quant(ReadOnlySpan<byte> qs, int e) => (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ2_K>(source);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ2_K b = ref blocks[i];
            float d = (float)b.D, min = (float)b.DMin;
            ReadOnlySpan<byte> qs = b.Qs, sc = b.Scales;
            for (int e = 0; e < QK_K; e++)
            {
                byte s = sc[e / 16];
                y[i * QK_K + e] = d * (s & 0xF) * Quant(qs, e) - min * (s >> 4);
            }
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ2_K>(destination);
        Span<byte> L = stackalloc byte[QK_K];
        Span<byte> laux = stackalloc byte[16];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[QK_K / 16];
        Span<float> scales = stackalloc float[QK_K / 16];
        const float q4scale = 15f;
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockQ2_K y = ref blocks[i];
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 16; j++)
            {
                var xs = x.Slice(16 * j, 16);
                for (int l = 0; l < 16; l++) weights[l] = MathF.Abs(xs[l]);
                scales[j] = KQuantMath.MakeQkx2Quants(16, 3, xs, weights, L.Slice(16 * j), out mins[j], laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            Span<byte> sc = y.Scales;
            if (maxScale > 0)
            {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < QK_K / 16; j++) sc[j] = (byte)KQuantMath.NearestInt(iscale * scales[j]);
                y.D = (Half)(maxScale / q4scale);
            }
            else
            {
                sc.Clear();
                y.D = (Half)0f;
            }
            if (maxMin > 0)
            {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < QK_K / 16; j++) sc[j] |= (byte)(KQuantMath.NearestInt(iscale * mins[j]) << 4);
                y.DMin = (Half)(maxMin / q4scale);
            }
            else
            {
                y.DMin = (Half)0f;
            }
            float dAll = (float)y.D, mAll = (float)y.DMin;
            for (int j = 0; j < QK_K / 16; j++)
            {
                float d = dAll * (sc[j] & 0xF);
                if (d == 0) continue;
                float dm = mAll * (sc[j] >> 4);
                for (int ii = 0; ii < 16; ii++)
                {
                    int l = KQuantMath.NearestInt((x[16 * j + ii] + dm) / d);
                    L[16 * j + ii] = (byte)Math.Max(0, Math.Min(3, l));
                }
            }
            Span<byte> qs = y.Qs;
            for (int j = 0; j < QK_K; j += 128)
                for (int l = 0; l < 32; l++)
                    qs[j / 4 + l] = (byte)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
        }
    }

    /// <summary>ggml_vec_dot_q2_K_q8_K (generic): Σ d·sc·Σ(q·q8) − dmin·Σ m·bsums.</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockQ2_K>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockQ2_K x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            ReadOnlySpan<byte> qs = x.Qs, sc = x.Scales;
            ReadOnlySpan<sbyte> q8 = y.Qs;
            ReadOnlySpan<short> bs = y.BSums;
            int sumi = 0, summ = 0;
            for (int j = 0; j < 16; j++)
            {
                int dot = 0;
                for (int l = 0; l < 16; l++) dot += Quant(qs, 16 * j + l) * q8[16 * j + l];
                sumi += (sc[j] & 0xF) * dot;
                summ += (sc[j] >> 4) * bs[j];
            }
            float d = y.D * (float)x.D, dmin = y.D * (float)x.DMin;
            sum += d * sumi - dmin * summ;
        }
        return sum;
    }
}
