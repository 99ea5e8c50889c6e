using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>Q8_0 weights × Q8_0 activations (ggml_vec_dot_q8_0_q8_0): w is the stored quant.</summary>
internal sealed class Q8_0Kernel(KernelIsa isa) : Q8DotKernel<BlockQ8_0, Q8_0Format>(isa)
{
    public static readonly Q8_0Kernel Instance = new(KernelIsaSupport.BestForInt8Dot);
}

internal readonly struct Q8_0Format : IQ8WeightFormat<BlockQ8_0>
{
    public static GgmlType Type => GgmlType.Q8_0;

    public static bool HasMinimum => false;

    public static bool HasByteOffset => true;

    public static float Scale(ref readonly BlockQ8_0 block) => HalfBits.ToSingle(block.D);

    public static float Minimum(ref readonly BlockQ8_0 block) => 0;

    public static void Unpack(ref readonly BlockQ8_0 block, Span<sbyte> values) => ((ReadOnlySpan<sbyte>)block.Qs).CopyTo(values);

    public static Vector256<sbyte> Unpack256(ref readonly BlockQ8_0 block) =>
        Vector256.LoadUnsafe(ref Unsafe.As<SBytes32, sbyte>(ref Unsafe.AsRef(in block.Qs)));

    public static void Dequantize(ReadOnlySpan<BlockQ8_0> blocks, Span<float> destination) => BlockQ8_0.Dequantize(blocks, destination);
}
