using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q5_1 weights × Q8_1 activations (ggml_vec_dot_q5_1_q8_1): w = nibble | fifth bit &lt;&lt; 4, plus m * S_a per block (see <see cref="Q4_1Kernel"/>).</summary>
internal sealed class Q5_1Kernel(KernelIsa isa) : Q8DotKernel<BlockQ5_1, Q5_1Format>(isa)
{
    public static readonly Q5_1Kernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct Q5_1Format : IQ8WeightFormat<BlockQ5_1>
{
    public static GgmlType Type => GgmlType.Q5_1;

    public static bool HasMinimum => true;

    public static float Scale(ref readonly BlockQ5_1 block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockQ5_1 block) => HalfBits.ToSingle(block.M);

    public static void Unpack(ref readonly BlockQ5_1 block, Span<sbyte> values)
    {
        uint qh = block.Qh;
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)(qh >> j) & 1;
            int h1 = (int)(qh >> (j + 16)) & 1;
            values[j] = (sbyte)((block.Qs[j] & 0x0F) | (h0 << 4));
            values[j + 16] = (sbyte)((block.Qs[j] >> 4) | (h1 << 4));
        }
    }

    // Forced: NativeAOT does not inline it into the unrolled group loops on its own (a call per block there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Unpack256(ref readonly BlockQ5_1 block)
    {
        var high = QuantUnpack.FifthBitMask256(block.Qh) & Vector256.Create((byte)0x10);
        return (QuantUnpack.Nibbles256(in block.Qs) | high).AsSByte();
    }

    public static void Dequantize(ReadOnlySpan<BlockQ5_1> blocks, Span<float> destination) => BlockQ5_1.Dequantize(blocks, destination);
}
