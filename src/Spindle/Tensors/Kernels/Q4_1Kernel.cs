using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Q4_1 weights × Q8_1 activations (ggml_vec_dot_q4_1_q8_1): w = nibble (0..15); the weight minimum m adds m * S_a per
/// block, where the activation's S = d_a * Σ a_i saves summing a_i in the inner loop. Q8_1 (not Q8_0) because llama.cpp
/// does the same and its S is rounded from the fp32 d: computing m * d_a * Σa from Q8_0 would differ in the last bits.
/// </summary>
internal sealed class Q4_1Kernel(KernelIsa isa) : Q8DotKernel<BlockQ4_1, Q4_1Format>(isa)
{
    public static readonly Q4_1Kernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct Q4_1Format : IQ8WeightFormat<BlockQ4_1>
{
    public static GgmlType Type => GgmlType.Q4_1;

    public static bool HasMinimum => true;

    public static float Scale(ref readonly BlockQ4_1 block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockQ4_1 block) => HalfBits.ToSingle(block.M);

    public static void Unpack(ref readonly BlockQ4_1 block, Span<sbyte> values)
    {
        for (int j = 0; j < 16; j++)
        {
            values[j] = (sbyte)(block.Qs[j] & 0x0F);
            values[j + 16] = (sbyte)(block.Qs[j] >> 4);
        }
    }

    public static Vector256<sbyte> Unpack256(ref readonly BlockQ4_1 block) => QuantUnpack.Nibbles256(in block.Qs).AsSByte();

    public static void Dequantize(ReadOnlySpan<BlockQ4_1> blocks, Span<float> destination) => BlockQ4_1.Dequantize(blocks, destination);
}
