using System.Diagnostics;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// A weight matrix of <see cref="RowCount"/> rows × <see cref="RowLength"/> elements, with the kernel for its element
/// type. It stays where it is (inside a memory-mapped model file), and the owner of that memory (the model, through its
/// GGUF file) must outlive this object — unless it is <see cref="IsInterleaved"/>: then it holds its own copy in the
/// kernel's interleaved layout, made once, and the source may be released.
/// </summary>
public sealed unsafe class WeightMatrix
{
    private readonly byte* _data;

    // The interleaved copy, or null.
    private readonly NativeWeightBuffer? _groups;

    /// <param name="interleave">Copy the rows into the kernel's interleaved layout when it has one
    /// (<see cref="WeightKernel.InterleavedRows"/>); the copy is as large as the rows.</param>
    public WeightMatrix(string name, byte* data, long byteLength, GgmlType type, int rowCount, int rowLength, bool interleave = false)
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
        if (interleave && Kernel.InterleavedRows > 0)
        {
            _groups = new NativeWeightBuffer(Kernel.InterleavedByteLength(rowCount, rowLength));
            // Row ranges of at most 1 GiB at a time (an interleaved copy may be a little larger), whole groups each.
            int groupRows = Kernel.InterleavedRows;
            int step = Math.Max(groupRows, (int)Math.Min(rowCount, int.MaxValue / 2 / rowBytes) / groupRows * groupRows);
            long groupBytes = Kernel.InterleavedByteLength(groupRows, rowLength);
            for (int first = 0; first < rowCount; first += step)
            {
                int count = Math.Min(step, rowCount - first);
                Kernel.Interleave(Rows(first, count), count, rowLength,
                    _groups.Slice(first / groupRows * groupBytes, checked((int)Kernel.InterleavedByteLength(count, rowLength))));
            }
            _data = null;
        }
    }

    /// <summary>True when the matrix holds its rows in the kernel's interleaved layout (and no longer reads its source).</summary>
    public bool IsInterleaved => _groups is not null;

    public string Name { get; }

    public GgmlType Type { get; }

    public WeightKernel Kernel { get; }

    /// <summary>Output features (ggml ne[1]).</summary>
    public int RowCount { get; }

    /// <summary>Input features (ggml ne[0]).</summary>
    public int RowLength { get; }

    public int RowByteLength { get; }

    /// <summary>Rows [start, start + count) as bytes, row-major. A slice never exceeds 2 GiB because row ranges are split by workers.</summary>
    public ReadOnlySpan<byte> Rows(int start, int count)
    {
        Debug.Assert(start >= 0 && count >= 0 && start + count <= RowCount);
        if (_data == null) throw new InvalidOperationException($"tensor '{Name}' is interleaved; its rows are not stored row by row");
        return new ReadOnlySpan<byte>(_data + (long)start * RowByteLength, checked(count * RowByteLength));
    }

    public ReadOnlySpan<byte> Row(int index) => Rows(index, 1);

    /// <summary>Expands one row to float (e.g. a token's embedding).</summary>
    public void DequantizeRow(int index, Span<float> destination)
    {
        if (_groups is not null)
        {
            // The row's group alone, so a matrix over 2 GiB is read in a slice.
            int groupRows = Kernel.InterleavedRows;
            long groupBytes = Kernel.InterleavedByteLength(groupRows, RowLength);
            Kernel.DequantizeInterleavedRow(_groups.Slice(index / groupRows * groupBytes, checked((int)groupBytes)), index % groupRows, RowLength,
                destination.Slice(0, RowLength));
        }
        else Kernel.DequantizeRow(Row(index), destination.Slice(0, RowLength));
    }

    /// <summary>
    /// Rows [start, start + count) times prepared activations (<see cref="WeightKernel.MatMul(ReadOnlySpan{byte}, int, int, ReadOnlySpan{byte}, int, Span{float}, int, ReadOnlySpan{float})"/>);
    /// for an interleaved matrix <paramref name="start"/> is a multiple of <see cref="WeightKernel.InterleavedRows"/>.
    /// </summary>
    public void Multiply(int start, int count, ReadOnlySpan<byte> activations, int tokenCount, Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary)
    {
        if (_groups is null)
        {
            Kernel.MatMul(Rows(start, count), count, RowLength, activations, tokenCount, output, outputStride, auxiliary);
            return;
        }
        int groupRows = Kernel.InterleavedRows;
        Debug.Assert(start % groupRows == 0 && start + count <= RowCount);
        long groupBytes = Kernel.InterleavedByteLength(groupRows, RowLength);
        var groups = _groups.Slice(start / groupRows * groupBytes, checked((int)Kernel.InterleavedByteLength(count, RowLength)));
        Kernel.MatMulInterleaved(groups, count, RowLength, activations, tokenCount, output, outputStride, auxiliary);
    }
}
