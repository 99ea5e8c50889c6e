using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q4_1 (20 bytes): 32 weights as 4-bit unsigned quants q with value d * q + m.
/// Same nibble order as <see cref="BlockQ4_0"/>: low nibbles are elements 0–15, high nibbles 16–31.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ4_1
{
    public const int ElementCount = 32;

    public Half D;
    public Half M;
    public Nibbles16 Qs;

    /// <summary>ggml dequantize_row_q4_1.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ4_1> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D, m = (float)b.M;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (b.Qs[j] & 0x0F) * d + m;
                y[j + 16] = (b.Qs[j] >> 4) * d + m;
            }
        }
    }

    /// <summary>ggml quantize_row_q4_1_ref: d = (max - min) / 15, m = min, quants round half up from (x - min) / d.</summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ4_1> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float min = float.MaxValue, max = -float.MaxValue;
            for (int j = 0; j < ElementCount; j++)
            {
                if (x[j] < min) min = x[j];
                if (x[j] > max) max = x[j];
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            b.M = (Half)min;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)(int)((x[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)(sbyte)(int)((x[j + 16] - min) * id + 0.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
