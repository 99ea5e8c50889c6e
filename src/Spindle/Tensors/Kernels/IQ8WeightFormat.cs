using System.Runtime.Intrinsics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// How one 32-element weight block type decodes to signed 8-bit integers for dot products with Q8 activations.
/// Every format here reduces to: block dot = d_w * d_a * Σ w_i a_i (+ m_w * S_a for formats with a minimum),
/// where w_i are small integers (|w| ≤ 127) the block unpacks to. Implemented by structs so the JIT specializes
/// <see cref="Q8DotKernel{TBlock, TFormat}"/> per format.
/// </summary>
internal interface IQ8WeightFormat<TBlock> where TBlock : unmanaged
{
    static abstract GgmlType Type { get; }

    /// <summary>True when blocks carry a minimum m, so activations are Q8_1 (their S = d * Σ a supplies Σ a).</summary>
    static abstract bool HasMinimum { get; }

    static abstract float Scale(ref readonly TBlock block);

    /// <summary>The block's minimum m, or 0.</summary>
    static abstract float Minimum(ref readonly TBlock block);

    /// <summary>The 32 integers w_i in element order (scalar reference).</summary>
    static abstract void Unpack(ref readonly TBlock block, Span<sbyte> values);

    /// <summary>The 32 integers w_i in element order, one per byte lane (AVX2).</summary>
    static abstract Vector256<sbyte> Unpack256(ref readonly TBlock block);

    static abstract void Dequantize(ReadOnlySpan<TBlock> blocks, Span<float> destination);

    /// <summary>
    /// True when w_i = u_i − 8 for unsigned nibbles u_i (Q4_0): the AVX2 kernels then multiply u (unsigned, as
    /// maddubs wants) by the activations directly and take back 8·Σa per block, saving the sign shuffling, eight rows
    /// at a time (Q8DotKernel.Groups.cs).
    /// </summary>
    static virtual bool HasNibbleOffset => false;

    /// <summary>
    /// True when blocks are {fp16 d, 32 signed bytes w_i} (Q8_0): the AVX2 kernels store u = w + 128 and multiply its
    /// two nibbles separately, Σw·a = 16·Σ(u >> 4)·a + Σ(u &amp; 15)·a − 128·Σa, so that, as for Q4_0, unsigned
    /// nibbles meet the activations in maddubs without sign shuffling (Q8DotKernel.Groups.cs).
    /// </summary>
    static virtual bool HasByteOffset => false;
}
