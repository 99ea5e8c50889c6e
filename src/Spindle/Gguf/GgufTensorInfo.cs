using Spindle.Tensors.Blocks;

namespace Spindle.Gguf;

/// <summary>
/// One tensor's header entry. <see cref="Dimensions"/> are in ggml order: Dimensions[0] is the row length
/// (the fastest-varying index), so a weight matrix of shape [n_in, n_out] has n_out rows of n_in elements.
/// <see cref="Offset"/> is relative to the start of the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Dimensions, long Offset, long ByteLength)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dimensions) n *= d;
            return n;
        }
    }

    /// <summary>Elements in one row (ggml's ne[0]).</summary>
    public long RowLength => Dimensions.Length == 0 ? 1 : Dimensions[0];

    /// <summary>Rows: the product of every dimension after the first.</summary>
    public long RowCount => RowLength == 0 ? 0 : ElementCount / RowLength;

    public string ShapeText => "[" + string.Join(", ", Dimensions) + "]";
}
