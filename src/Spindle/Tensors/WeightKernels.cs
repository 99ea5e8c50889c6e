namespace Spindle.Tensors;

/// <summary>The kernel for each weight type Spindle can compute with.</summary>
public static class WeightKernels
{
    public static bool IsSupported(GgmlType type) => TryGet(type) != null;

    public static WeightKernel For(GgmlType type) => TryGet(type)
        ?? throw new NotSupportedException($"tensor type {GgmlTypeInfo.Name(type)} is not supported for computation");

    private static WeightKernel? TryGet(GgmlType type) => type switch
    {
        GgmlType.F32 => F32Kernel.Instance,
        _ => null,
    };
}
