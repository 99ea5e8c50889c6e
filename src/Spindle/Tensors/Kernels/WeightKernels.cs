using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>The kernel for each weight type Spindle can compute with.</summary>
public static class WeightKernels
{
    public static bool IsSupported(GgmlType type) => TryGet(type) != null;

    public static WeightKernel For(GgmlType type) => TryGet(type)
        ?? throw new NotSupportedException($"tensor type {GgmlTypeInfo.Name(type)} is not supported for computation");

    /// <summary>A kernel for <paramref name="type"/> fixed to one instruction set, to test every tier on one machine.</summary>
    internal static WeightKernel Create(GgmlType type, KernelIsa isa) => type switch
    {
        GgmlType.F32 => new F32Kernel(isa),
        GgmlType.F16 => new F16Kernel(isa),
        GgmlType.BF16 => new BF16Kernel(isa),
        GgmlType.Q8_0 => new Q8_0Kernel(isa),
        GgmlType.Q4_0 => new Q4_0Kernel(isa),
        GgmlType.Q4_1 => new Q4_1Kernel(isa),
        GgmlType.Q5_0 => new Q5_0Kernel(isa),
        GgmlType.Q5_1 => new Q5_1Kernel(isa),
        GgmlType.IQ4_NL => new IQ4_NLKernel(isa),
        GgmlType.Q4_K => new Q4_KKernel(isa),
        GgmlType.Q6_K => new Q6_KKernel(isa),
        GgmlType.Q5_K => new Q5_KKernel(isa),
        GgmlType.Q3_K => new Q3_KKernel(isa),
        GgmlType.Q2_K => new Q2_KKernel(isa),
        GgmlType.IQ4_XS => new IQ4_XSKernel(isa),
        _ => throw new NotSupportedException($"tensor type {GgmlTypeInfo.Name(type)} is not supported for computation"),
    };

    private static WeightKernel? TryGet(GgmlType type) => type switch
    {
        GgmlType.F32 => F32Kernel.Instance,
        GgmlType.F16 => F16Kernel.Instance,
        GgmlType.BF16 => BF16Kernel.Instance,
        GgmlType.Q8_0 => Q8_0Kernel.Instance,
        GgmlType.Q4_0 => Q4_0Kernel.Instance,
        GgmlType.Q4_1 => Q4_1Kernel.Instance,
        GgmlType.Q5_0 => Q5_0Kernel.Instance,
        GgmlType.Q5_1 => Q5_1Kernel.Instance,
        GgmlType.IQ4_NL => IQ4_NLKernel.Instance,
        GgmlType.Q4_K => Q4_KKernel.Instance,
        GgmlType.Q6_K => Q6_KKernel.Instance,
        GgmlType.Q5_K => Q5_KKernel.Instance,
        GgmlType.Q3_K => Q3_KKernel.Instance,
        GgmlType.Q2_K => Q2_KKernel.Instance,
        GgmlType.IQ4_XS => IQ4_XSKernel.Instance,
        _ => null,
    };
}
