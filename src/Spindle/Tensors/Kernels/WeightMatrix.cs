using System.Diagnostics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// A weight matrix of <see cref="RowCount"/> rows × <see cref="RowLength"/> elements that stays where it is (inside a
/// memory-mapped model file), with the kernel for its element type. The owner of the memory (the model, through its
/// GGUF file) must outlive this object; nothing here copies it.
/// </summary>
public sealed unsafe class WeightMatrix
{
    private readonly byte* _data;

    public WeightMatrix(string name, byte* data, long byteLength, GgmlType type, int rowCount, int rowLength)
    {
        long rowBytes = GgmlTypeInfo.ByteLength(type, rowLength);
        if (rowBytes <= 0 || rowBytes * rowCount != byteLength)
            throw new ArgumentException($"tensor '{name}': {byteLength} bytes do not hold {rowCount} rows of {rowLength} {GgmlTypeInfo.Name(type)} elements");
        Name = name;
        _data = data;
        Type = type;
        Kernel = WeightKernels.For(type);
        if (GgmlTypeInfo.ByteLength(Kernel.ActivationType, rowLength) <= 0)
            throw new ArgumentException(
                $"tensor '{name}': rows of {rowLength} elements cannot be paired with {GgmlTypeInfo.Name(Kernel.ActivationType)} activations");
        RowCount = rowCount;
        RowLength = rowLength;
        RowByteLength = (int)rowBytes;
    }

    public string Name { get; }

    public GgmlType Type { get; }

    public WeightKernel Kernel { get; }

    /// <summary>Output features (ggml ne[1]).</summary>
    public int RowCount { get; }

    /// <summary>Input features (ggml ne[0]).</summary>
    public int RowLength { get; }

    public int RowByteLength { get; }

    /// <summary>Rows [start, start + count) as bytes. A slice never exceeds 2 GiB because row ranges are split by workers.</summary>
    public ReadOnlySpan<byte> Rows(int start, int count)
    {
        Debug.Assert(start >= 0 && count >= 0 && start + count <= RowCount);
        return new ReadOnlySpan<byte>(_data + (long)start * RowByteLength, checked(count * RowByteLength));
    }

    public ReadOnlySpan<byte> Row(int index) => Rows(index, 1);

    /// <summary>Expands one row to float (e.g. a token's embedding).</summary>
    public void DequantizeRow(int index, Span<float> destination) =>
        Kernel.DequantizeRow(Row(index), destination.Slice(0, RowLength));
}
