using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>IQ4_NL weights × Q8_0 activations (ggml_vec_dot_iq4_nl_q8_0): w = kvalues_iq4nl[nibble], looked up with vpshufb.</summary>
internal sealed class IQ4_NLKernel(KernelIsa isa) : Q8DotKernel<BlockIQ4_NL, IQ4_NLFormat>(isa)
{
    public static readonly IQ4_NLKernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct IQ4_NLFormat : IQ8WeightFormat<BlockIQ4_NL>
{
    public static GgmlType Type => GgmlType.IQ4_NL;

    public static bool HasMinimum => false;

    public static float Scale(ref readonly BlockIQ4_NL block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockIQ4_NL block) => 0;

    public static void Unpack(ref readonly BlockIQ4_NL block, Span<sbyte> values)
    {
        var table = BlockIQ4_NL.Values;
        for (int j = 0; j < 16; j++)
        {
            values[j] = table[block.Qs[j] & 0x0F];
            values[j + 16] = table[block.Qs[j] >> 4];
        }
    }

    // Forced: NativeAOT does not inline it into the unrolled group loops on its own (a call per block there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Unpack256(ref readonly BlockIQ4_NL block)
    {
        var table = Vector256.Create(Vector128.Create(BlockIQ4_NL.Values));
        return Avx2.Shuffle(table, QuantUnpack.Nibbles256(in block.Qs).AsSByte());
    }

    public static void Dequantize(ReadOnlySpan<BlockIQ4_NL> blocks, Span<float> destination) => BlockIQ4_NL.Dequantize(blocks, destination);
}
