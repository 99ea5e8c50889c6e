using System.Runtime.InteropServices;

namespace Spindle.Tensors.Blocks;

/// <summary>
/// ggml block_q8_1 (36 bytes): as <see cref="BlockQ8_0"/> plus S = d * sum(q) (computed with the unrounded float d,
/// then stored as fp16). Activations for Q4_1/Q5_1 weights: the weight minimum m contributes m * S to a block's dot product.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct BlockQ8_1
{
    public const int ElementCount = 32;

    public Half D;
    public Half S;
    public SBytes32 Qs;

    /// <summary>ggml dequantize of q8_1 (the S field is redundant for values).</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ8_1> blocks, Span<float> destination)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = (float)b.D;
            var y = destination.Slice(i * ElementCount, ElementCount);
            for (int j = 0; j < ElementCount; j++) y[j] = b.Qs[j] * d;
        }
    }

    /// <summary>ggml quantize_row_q8_1_ref: as Q8_0's reference (roundf, id = 1 / d), S = fp16(sum(q) * d).</summary>
    public static void QuantizeReference(ReadOnlySpan<float> source, Span<BlockQ8_1> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = source.Slice(i * ElementCount, ElementCount);
            float amax = 0;
            for (int j = 0; j < ElementCount; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = (Half)d;
            int sum = 0;
            for (int j = 0; j < ElementCount; j++)
            {
                sbyte q = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
                b.Qs[j] = q;
                sum += q;
            }
            b.S = (Half)(sum * d);
        }
    }
}
