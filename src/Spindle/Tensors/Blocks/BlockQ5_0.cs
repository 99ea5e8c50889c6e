using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q5_0 (22 bytes): 32 weights as 5-bit unsigned quants q with value d * (q - 16).
/// The low 4 bits are packed like <see cref="BlockQ4_0"/> (low nibbles = elements 0–15, high = 16–31);
/// bit j of the little-endian <see cref="Qh"/> is the fifth bit of element j.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ5_0
{
    public const int ElementCount = 32;

    public Half D;
    public uint Qh;
    public Nibbles16 Qs;

    /// <summary>ggml dequantize_row_q5_0.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ5_0> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D;
            uint qh = b.Qh;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < 16; j++)
            {
                int h0 = (int)((qh >> j) << 4) & 0x10;
                int h1 = (int)(qh >> (j + 12)) & 0x10;
                y[j] = (((b.Qs[j] & 0x0F) | h0) - 16) * d;
                y[j + 16] = (((b.Qs[j] >> 4) | h1) - 16) * d;
            }
        }
    }

    /// <summary>ggml quantize_row_q5_0_ref: as Q4_0 with d = max / -16 and quants 0..31.</summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ5_0> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float amax = 0, max = 0;
            for (int j = 0; j < ElementCount; j++)
            {
                if (amax < MathF.Abs(x[j])) { amax = MathF.Abs(x[j]); max = x[j]; }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(31, (int)(sbyte)(int)(x[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(sbyte)(int)(x[j + 16] * id + 16.5f));
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + 16);
            }
            b.Qh = qh;
        }
    }
}
