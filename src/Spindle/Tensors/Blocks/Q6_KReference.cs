using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>Scalar reference for Q6_K (ggml-quants.c quantize_row_q6_K_ref / dequantize_row_q6_K).</summary>
public static class Q6_KReference
{
    private const int QK_K = KQuantMath.QK_K;

    /// <summary>Quant (0..63) of weight e of a block: see <see cref="BlockQ6_K"/> for the ql/qh interleave.</summary>
    private static int Quant(ReadOnlySpan<byte> ql, ReadOnlySpan<byte> qh, int e)
    {
        int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
        byte lowByte = ql[64 * half + 32 * (quarter & 1) + l];
        int low = quarter < 2 ? lowByte & 0xF : lowByte >> 4;
        int high = (qh[32 * half + l] >> (2 * quarter)) & 3;
        return low | (high << 4);
    }

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ6_K>(source);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ6_K b = ref blocks[i];
            float d = (float)b.D;
            ReadOnlySpan<byte> ql = b.Ql, qh = b.Qh;
            ReadOnlySpan<sbyte> sc = b.Scales;
            for (int e = 0; e < QK_K; e++)
                y[i * QK_K + e] = d * sc[e / 16] * (Quant(ql, qh, e) - 32);
        }
    }

    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ6_K>(destination);
        Span<sbyte> L = stackalloc sbyte[QK_K];
        Span<float> scales = stackalloc float[QK_K / 16];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * QK_K, QK_K);
            ref BlockQ6_K y = ref blocks[i];
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < QK_K / 16; ib++)
            {
                float scale = KQuantMath.MakeQxQuants(16, 32, x.Slice(16 * ib, 16), L.Slice(16 * ib), 1, default);
                scales[ib] = scale;
                float abs = MathF.Abs(scale);
                if (abs > maxAbsScale) { maxAbsScale = abs; maxScale = scale; }
            }
            if (maxAbsScale < KQuantMath.GroupMaxEps)
            {
                y = default;
                continue;
            }
            float iscale = -128f / maxScale;
            y.D = (Half)(1 / iscale);
            Span<sbyte> sc = y.Scales;
            for (int ib = 0; ib < QK_K / 16; ib++)
                sc[ib] = (sbyte)Math.Min(127, KQuantMath.NearestInt(iscale * scales[ib]));
            float dAll = (float)y.D;
            for (int j = 0; j < QK_K / 16; j++)
            {
                float d = dAll * sc[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++)
                {
                    int l = KQuantMath.NearestInt(x[16 * j + ii] / d);
                    L[16 * j + ii] = (sbyte)(Math.Max(-32, Math.Min(31, l)) + 32);
                }
            }
            Span<byte> ql = y.Ql, qh = y.Qh;
            for (int j = 0, h = 0; j < QK_K; j += 128, h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
                    ql[64 * h + l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                    ql[64 * h + l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                    qh[32 * h + l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
        }
    }

    /// <summary>ggml_vec_dot_q6_K_q8_K (generic): Σ d·sc·Σ((q − 32)·q8) with exact integer inner sums.</summary>
    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation)
    {
        var xs = MemoryMarshal.Cast<byte, BlockQ6_K>(row);
        var ys = MemoryMarshal.Cast<byte, BlockQ8_K>(activation);
        float sum = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            ref readonly BlockQ6_K x = ref xs[i];
            ref readonly BlockQ8_K y = ref ys[i];
            ReadOnlySpan<byte> ql = x.Ql, qh = x.Qh;
            ReadOnlySpan<sbyte> sc = x.Scales, q8 = y.Qs;
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                int dot = 0;
                for (int l = 0; l < 16; l++) dot += (Quant(ql, qh, 16 * j + l) - 32) * q8[16 * j + l];
                sumi += sc[j] * dot;
            }
            sum += y.D * (float)x.D * sumi;
        }
        return sum;
    }
}
