using System.Text;
using Spindle.Tensors.Blocks;
namespace Spindle.Gguf;

/// <summary>
/// A tensor to be written: name, type and shape in ggml order (Dimensions[0] is the row length). The byte length
/// follows from the type's block geometry; the writer assigns the offset.
/// </summary>
public sealed record GgufTensorDescriptor
{
    public const int MaxNameByteLength = 63; // GGML_MAX_NAME less its NUL; readers (ours, gguf.cpp) refuse longer
    public const int MaxDimensions = 4; // GGML_MAX_DIMS

    public GgufTensorDescriptor(string name, GgmlType type, long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        if (Encoding.UTF8.GetByteCount(name) > MaxNameByteLength)
            throw new ArgumentException($"tensor name '{name}' is longer than {MaxNameByteLength} bytes", nameof(name));
        if (!GgmlTypeInfo.IsKnown(type)) throw new ArgumentException($"tensor '{name}': unknown type {(uint)type}", nameof(type));
        if (dimensions.Length > MaxDimensions)
            throw new ArgumentException($"tensor '{name}' has {dimensions.Length} dimensions (at most {MaxDimensions})", nameof(dimensions));
        long elements = 1;
        foreach (long d in dimensions)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}' has a negative dimension {d}", nameof(dimensions));
            elements = checked(elements * d);
        }
        int blockSize = GgmlTypeInfo.BlockSize(type);
        if (dimensions.Length > 0 && dimensions[0] % blockSize != 0)
            throw new ArgumentException($"tensor '{name}': row length {dimensions[0]} is not a multiple of the {GgmlTypeInfo.Name(type)} block size {blockSize}", nameof(dimensions));
        long byteLength = GgmlTypeInfo.ByteLength(type, elements);
        if (byteLength < 0) throw new ArgumentException($"tensor '{name}': {elements} elements of {GgmlTypeInfo.Name(type)} have no byte size", nameof(dimensions));
        Name = name;
        Type = type;
        Dimensions = (long[])dimensions.Clone();
        ByteLength = byteLength;
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public long[] Dimensions { get; }
    public long ByteLength { get; }

    public static GgufTensorDescriptor Of(GgufTensorInfo info) => new(info.Name, info.Type, info.Dimensions);
}
