using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q4_0 (18 bytes): 32 weights as 4-bit unsigned quants q with value d * (q - 8).
/// Layout quirk: byte j holds element j in its low nibble and element j + 16 in its high nibble,
/// so the low nibbles are elements 0–15 and the high nibbles 16–31 (not interleaved pairs).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ4_0
{
    public const int ElementCount = 32;

    public Half D;
    public Nibbles16 Qs;

    /// <summary>ggml dequantize_row_q4_0.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ4_0> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((b.Qs[j] & 0x0F) - 8) * d;
                y[j + 16] = ((b.Qs[j] >> 4) - 8) * d;
            }
        }
    }

    /// <summary>
    /// ggml quantize_row_q4_0_ref: d = max / -8 where max is the element of largest magnitude (sign kept), so that
    /// element maps to quant 0 exactly; the others round by adding 8.5 and truncating (C's (int8_t) cast).
    /// </summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ4_0> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float amax = 0, max = 0;
            for (int j = 0; j < ElementCount; j++)
            {
                if (amax < MathF.Abs(x[j])) { amax = MathF.Abs(x[j]); max = x[j]; }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)(int)(x[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(sbyte)(int)(x[j + 16] * id + 8.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
