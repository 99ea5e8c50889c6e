using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q5_0 weights × Q8_0 activations (ggml_vec_dot_q5_0_q8_0): w = (nibble | fifth bit &lt;&lt; 4) - 16.</summary>
internal sealed class Q5_0Kernel(KernelIsa isa) : Q8DotKernel<BlockQ5_0, Q5_0Format>(isa)
{
    public static readonly Q5_0Kernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct Q5_0Format : IQ8WeightFormat<BlockQ5_0>
{
    public static GgmlType Type => GgmlType.Q5_0;

    public static bool HasMinimum => false;

    public static float Scale(ref readonly BlockQ5_0 block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockQ5_0 block) => 0;

    public static void Unpack(ref readonly BlockQ5_0 block, Span<sbyte> values)
    {
        uint qh = block.Qh;
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)(qh >> j) & 1;
            int h1 = (int)(qh >> (j + 16)) & 1;
            values[j] = (sbyte)(((block.Qs[j] & 0x0F) | (h0 << 4)) - 16);
            values[j + 16] = (sbyte)(((block.Qs[j] >> 4) | (h1 << 4)) - 16);
        }
    }

    // Forced: NativeAOT does not inline it into the unrolled group loops on its own (a call per block there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Unpack256(ref readonly BlockQ5_0 block)
    {
        // nibble - 16 is nibble | 0xF0 in two's complement, and a set fifth bit cancels the -16: so OR 0xF0 where the bit is clear.
        var clear = ~QuantUnpack.FifthBitMask256(block.Qh) & Vector256.Create((byte)0xF0);
        return (QuantUnpack.Nibbles256(in block.Qs) | clear).AsSByte();
    }

    public static void Dequantize(ReadOnlySpan<BlockQ5_0> blocks, Span<float> destination) => BlockQ5_0.Dequantize(blocks, destination);
}
