using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for IQ4_XS (ggml-quants.c quantize_iq4_xs without an imatrix / dequantize_row_iq4_xs).</summary>
public static class IQ4_XSReference
{
    private const int QK_K = KQuantMath.QK_K;

    /// <summary>6-bit scale of sub-block ib, minus 32.</summary>
    private static int Scale(in BlockIQ4_XS b, int ib) =>
        (((b.ScalesL[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((b.ScalesH >> (2 * ib)) & 3) << 4)) - 32;

    private static int Index(ReadOnlySpan<byte> qs, int e)
    {
        int ib = e / 32, r = e % 32;
        byte b = qs[16 * ib + r % 16];
        return r < 16 ? b & 0xF : b >> 4;
    }

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockIQ4_XS>(source);
        var values = Iq4NlTable.Values;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockIQ4_XS b = ref blocks[i];
            float d = (float)b.D;
            ReadOnlySpan<byte> qs = b.Qs;
            for (int ib = 0; ib < 8; ib++)
            {
                float dl = d * Scale(b, ib);
                for (int r = 0; r < 32; r++)
                    y[i * QK_K + 32 * ib + r] = dl * values[Index(qs, 32 * ib + r)];
            }
        }
    }

    /// <summary>quantize_row_iq4_nl_impl(256, 32, ..., ntry 7) with no importance weights (weight = x²).</summary>
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockIQ4_XS>(destination);
        var values = Iq4NlTable.Values;
        const int ntry = 7;
        Span<byte> L = stackalloc byte[QK_K];
        Span<float> weight = stackalloc float[32];
        Span<float> scales = stackalloc float[QK_K / 32];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockIQ4_XS y = ref blocks[i];
            y = default;
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < QK_K / 32; ib++)
            {
                var xb = x.Slice(32 * ib, 32);
                var lb = L.Slice(32 * ib, 32);
                for (int j = 0; j < 32; j++) weight[j] = xb[j] * xb[j];
                float amax = 0, max = 0;
                for (int j = 0; j < 32; j++)
                {
                    float ax = MathF.Abs(xb[j]);
                    if (ax > amax) { amax = ax; max = xb[j]; }
                }
                if (amax < KQuantMath.GroupMaxEps)
                {
                    scales[ib] = 0;
                    continue;
                }
                float d = ntry > 0 ? -max / values[0] : max / values[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < 32; j++)
                {
                    float al = id * xb[j];
                    int l = KQuantMath.BestIndexInt8(values, al);
                    lb[j] = (byte)l;
                    float q = values[l];
                    float w = weight[j];
                    sumqx += w * q * xb[j];
                    sumq2 += w * q * q;
                }
                d = sumqx / sumq2;
                float best = d * sumqx;
                for (int itry = -ntry; itry <= ntry; itry++)
                {
                    id = (itry + values[0]) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < 32; j++)
                    {
                        float al = id * xb[j];
                        int l = KQuantMath.BestIndexInt8(values, al);
                        float q = values[l];
                        float w = weight[j];
                        sumqx += w * q * xb[j];
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
                    {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scales[ib] = d;
                float absD = MathF.Abs(d);
                if (absD > amaxScale) { amaxScale = absD; maxScale = d; }
            }

            // The super-block scale maps the largest sub-block scale to −32, so every 6-bit ls − 32 fits.
            float dSuper = -maxScale / 32;
            y.D = (Half)dSuper;
            float idSuper = dSuper != 0 ? 1 / dSuper : 0f;
            ushort scalesH = 0;
            for (int ib = 0; ib < QK_K / 32; ib++)
            {
                int l = KQuantMath.NearestInt(idSuper * scales[ib]);
                l = Math.Max(-32, Math.Min(31, l));
                float dl = dSuper * l;
                float idl = dl != 0 ? 1 / dl : 0f;
                var xb = x.Slice(32 * ib, 32);
                for (int j = 0; j < 32; j++) L[32 * ib + j] = (byte)KQuantMath.BestIndexInt8(values, idl * xb[j]);
                l += 32;
                byte low = (byte)(l & 0xF);
                int high = l >> 4;
                if (ib % 2 == 0) y.ScalesL[ib / 2] = low;
                else y.ScalesL[ib / 2] |= (byte)(low << 4);
                scalesH |= (ushort)(high << (2 * ib));
            }
            y.ScalesH = scalesH;
            Span<byte> qs = y.Qs;
            for (int ib = 0; ib < QK_K / 32; ib++)
                for (int j = 0; j < 16; j++)
                    qs[16 * ib + j] = (byte)(L[32 * ib + j] | (L[32 * ib + 16 + j] << 4));
        }
    }

    /// <summary>ggml_vec_dot_iq4_xs_q8_K (generic).</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockIQ4_XS>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        var values = Iq4NlTable.Values;
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockIQ4_XS x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            ReadOnlySpan<byte> qs = x.Qs;
            ReadOnlySpan<sbyte> q8 = y.Qs;
            int sumi = 0;
            for (int ib = 0; ib < 8; ib++)
            {
                int dot = 0;
                for (int r = 0; r < 32; r++) dot += values[Index(qs, 32 * ib + r)] * q8[32 * ib + r];
                sumi += Scale(x, ib) * dot;
            }
            sum += y.D * (float)x.D * sumi;
        }
        return sum;
    }
}
