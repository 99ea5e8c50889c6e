using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q5_1 (24 bytes): 32 weights as 5-bit unsigned quants q with value d * q + m.
/// Bit packing as <see cref="BlockQ5_0"/>: nibbles low = elements 0–15, high = 16–31, bit j of <see cref="Qh"/> = fifth bit of element j.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ5_1
{
    public const int ElementCount = 32;

    public Half D;
    public Half M;
    public uint Qh;
    public Nibbles16 Qs;

    /// <summary>ggml dequantize_row_q5_1.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ5_1> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D, m = (float)b.M;
            uint qh = b.Qh;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                y[j] = ((b.Qs[j] & 0x0F) | h0) * d + m;
                y[j + 16] = ((b.Qs[j] >> 4) | h1) * d + m;
            }
        }
    }

    /// <summary>ggml quantize_row_q5_1_ref: d = (max - min) / 31, m = min; unlike Q4_1 the quant is not clamped (it cannot exceed 31).</summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ5_1> blocks)
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
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            b.M = (Half)min;
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (byte)(int)((x[j] - min) * id + 0.5f);
                int q1 = (byte)(int)((x[j + 16] - min) * id + 0.5f);
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + 16);
            }
            b.Qh = qh;
        }
    }
}
