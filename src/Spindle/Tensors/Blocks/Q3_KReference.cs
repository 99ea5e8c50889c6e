using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for Q3_K (ggml-quants.c quantize_row_q3_K_ref / dequantize_row_q3_K).</summary>
public static class Q3_KReference
{
    private const int QK_K = KQuantMath.QK_K;

    /// <summary>
    /// Signed quant (−4..3) of weight e. Low 2 bits: byte 32·(e/128) + e%32 of qs, bits 2·((e%128)/32).
    /// High bit: bit e/32 of hmask[e%32]; a <i>clear</i> high bit means subtract 4 (ggml stores q + 4).
    /// </summary>
    private static int Quant(ReadOnlySpan<byte> qs, ReadOnlySpan<byte> hmask, int e)
    {
        int low = (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
        bool high = ((hmask[e % 32] >> (e / 32)) & 1) != 0;
        return low - (high ? 0 : 4);
    }

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ3_K>(source);
        Span<sbyte> scales = stackalloc sbyte[16];
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ3_K b = ref blocks[i];
            float d = (float)b.D;
            KQuantMath.UnpackScalesQ3K(b.Scales, scales);
            ReadOnlySpan<byte> qs = b.Qs, hm = b.HMask;
            for (int e = 0; e < QK_K; e++)
                y[i * QK_K + e] = d * scales[e / 16] * Quant(qs, hm, e);
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ3_K>(destination);
        Span<sbyte> L = stackalloc sbyte[QK_K];
        Span<float> scales = stackalloc float[QK_K / 16];
        Span<sbyte> unpacked = stackalloc sbyte[16];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockQ3_K y = ref blocks[i];
            float maxScale = 0, amax = 0;
            for (int j = 0; j < QK_K / 16; j++)
            {
                scales[j] = KQuantMath.MakeQ3Quants(16, 4, x.Slice(16 * j, 16), L.Slice(16 * j), true);
                float scale = MathF.Abs(scales[j]);
                if (scale > amax) { amax = scale; maxScale = scales[j]; }
            }
            Span<byte> sc = y.Scales;
            sc.Clear();
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int j = 0; j < QK_K / 16; j++)
                {
                    // ggml keeps l in an int8_t: nearest_int's result wraps to 8 bits before the clamp.
                    int l = (sbyte)KQuantMath.NearestInt(iscale * scales[j]);
                    l = Math.Max(-32, Math.Min(31, l)) + 32;
                    if (j < 8) sc[j] = (byte)(l & 0xF);
                    else sc[j - 8] |= (byte)((l & 0xF) << 4);
                    l >>= 4;
                    sc[j % 4 + 8] |= (byte)(l << (2 * (j / 4)));
                }
                y.D = (Half)(1 / iscale);
            }
            else
            {
                y.D = (Half)0f;
            }
            KQuantMath.UnpackScalesQ3K(sc, unpacked);
            float dAll = (float)y.D;
            for (int j = 0; j < QK_K / 16; j++)
            {
                float d = dAll * unpacked[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++)
                {
                    int l = KQuantMath.NearestInt(x[16 * j + ii] / d);
                    L[16 * j + ii] = (sbyte)(Math.Max(-4, Math.Min(3, l)) + 4);
                }
            }
            Span<byte> hmask = y.HMask, qs = y.Qs;
            hmask.Clear();
            int m = 0;
            byte hm = 1;
            for (int j = 0; j < QK_K; j++)
            {
                if (L[j] > 3)
                {
                    hmask[m] |= hm;
                    L[j] -= 4;
                }
                if (++m == QK_K / 8) { m = 0; hm <<= 1; }
            }
            for (int j = 0; j < QK_K; j += 128)
                for (int l = 0; l < 32; l++)
                    qs[j / 4 + l] = (byte)((byte)L[j + l] | ((byte)L[j + l + 32] << 2) | ((byte)L[j + l + 64] << 4) | ((byte)L[j + l + 96] << 6));
        }
    }

    /// <summary>ggml_vec_dot_q3_K_q8_K (generic).</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockQ3_K>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        Span<sbyte> scales = stackalloc sbyte[16];
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockQ3_K x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            KQuantMath.UnpackScalesQ3K(x.Scales, scales);
            ReadOnlySpan<byte> qs = x.Qs, hm = x.HMask;
            ReadOnlySpan<sbyte> q8 = y.Qs;
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                int dot = 0;
                for (int l = 0; l < 16; l++) dot += Quant(qs, hm, 16 * j + l) * q8[16 * j + l];
                sumi += scales[j] * dot;
            }
            sum += y.D * (float)x.D * sumi;
        }
        return sum;
    }
}
