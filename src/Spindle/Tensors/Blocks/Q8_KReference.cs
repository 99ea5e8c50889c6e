using System.Runtime.InteropServices;
using Spindle.Tensors.Kernels;

namespace Spindle.Tensors.Blocks;

/// <summary>quantize_row_q8_K_ref: activations to Q8_K blocks, the other operand of every K-quant dot product.</summary>
public static class Q8_KReference
{
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> destination)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_K>(destination);
        int nb = x.Length / KQuantMath.QK_K;
        for (int i = 0; i < nb; i++)
        {
            var xb = x.Slice(i * KQuantMath.QK_K, KQuantMath.QK_K);
            ref BlockQ8_K y = ref blocks[i];
            float max = 0, amax = 0;
            for (int j = 0; j < KQuantMath.QK_K; j++)
            {
                float ax = MathF.Abs(xb[j]);
                if (ax > amax) { amax = ax; max = xb[j]; }
            }
            if (amax == 0)
            {
                y = default;
                continue;
            }
            // -127 rather than -128 keeps every quant in [-127, 127], so sign tricks (|q|, sign(y, q)) never overflow.
            float iscale = -127f / max;
            for (int j = 0; j < KQuantMath.QK_K; j++)
            {
                int v = KQuantMath.NearestInt(iscale * xb[j]);
                y.Qs[j] = (sbyte)Math.Min(127, v);
            }
            for (int j = 0; j < KQuantMath.QK_K / 16; j++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++) sum += y.Qs[16 * j + l];
                y.BSums[j] = (short)sum;
            }
            y.D = 1 / iscale;
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> y)
    {
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_K>(source);
        for (int i = 0; i < blocks.Length; i++)
            for (int j = 0; j < KQuantMath.QK_K; j++)
                y[i * KQuantMath.QK_K + j] = blocks[i].D * blocks[i].Qs[j];
    }
}
