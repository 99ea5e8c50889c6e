using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q4_0 weights × Q8_0 activations (ggml_vec_dot_q4_0_q8_0): w = nibble - 8.</summary>
internal sealed class Q4_0Kernel(KernelIsa isa) : Q8DotKernel<BlockQ4_0, Q4_0Format>(isa)
{
    public static readonly Q4_0Kernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct Q4_0Format : IQ8WeightFormat<BlockQ4_0>
{
    public static GgmlType Type => GgmlType.Q4_0;

    public static bool HasMinimum => false;

    public static float Scale(ref readonly BlockQ4_0 block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockQ4_0 block) => 0;

    public static void Unpack(ref readonly BlockQ4_0 block, Span<sbyte> values)
    {
        for (int j = 0; j < 16; j++)
        {
            values[j] = (sbyte)((block.Qs[j] & 0x0F) - 8);
            values[j + 16] = (sbyte)((block.Qs[j] >> 4) - 8);
        }
    }

    public static bool HasNibbleOffset => true;

    public static Vector256<sbyte> Unpack256(ref readonly BlockQ4_0 block) =>
        (QuantUnpack.Nibbles256(in block.Qs) - Vector256.Create((byte)8)).AsSByte();

    public static void Dequantize(ReadOnlySpan<BlockQ4_0> blocks, Span<float> destination) => BlockQ4_0.Dequantize(blocks, destination);
}
