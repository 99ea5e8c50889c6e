using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>F32 weights against F32 activations.</summary>
public sealed class F32Kernel : WeightKernel
{
    public static readonly F32Kernel Instance = new();

    public override GgmlType Type => GgmlType.F32;

    public override GgmlType ActivationType => GgmlType.F32;

    public override void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination) =>
        MemoryMarshal.Cast<byte, float>(row).CopyTo(destination);

    public override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination) =>
        MemoryMarshal.AsBytes(source).CopyTo(destination);

    public override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength) =>
        TensorPrimitives.Dot(
            MemoryMarshal.Cast<byte, float>(row).Slice(0, rowLength),
            MemoryMarshal.Cast<byte, float>(activation).Slice(0, rowLength));
}
