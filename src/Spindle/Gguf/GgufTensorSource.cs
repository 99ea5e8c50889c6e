using Spindle.Tensors.Blocks;

namespace Spindle.Gguf;

/// <summary>A tensor to write and where its bytes come from; the bytes are produced only when the writer reaches it.</summary>
public sealed class GgufTensorSource
{
    // Spans hold at most 2^31 - 1 bytes; bigger tensors go to the writer in pieces of this size.
    private const int ChunkByteLength = 1 << 30;

    public GgufTensorSource(GgufTensorDescriptor descriptor, Action<GgufWriter> writeData)
    {
        Descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));
        WriteData = writeData ?? throw new ArgumentNullException(nameof(writeData));
    }

    public GgufTensorDescriptor Descriptor { get; }

    /// <summary>Writes exactly <see cref="GgufTensorDescriptor.ByteLength"/> bytes through <see cref="GgufWriter.WriteTensorData"/>.</summary>
    public Action<GgufWriter> WriteData { get; }

    /// <summary>A tensor copied from an open file's mapping (the file must stay open until written).</summary>
    public static unsafe GgufTensorSource FromFile(GgufFile file, GgufTensorInfo info) =>
        new(GgufTensorDescriptor.Of(info), writer =>
        {
            byte* p = file.GetTensorPointer(info);
            for (long done = 0; done < info.ByteLength;)
            {
                int n = (int)Math.Min(ChunkByteLength, info.ByteLength - done);
                writer.WriteTensorData(new ReadOnlySpan<byte>(p + done, n));
                done += n;
            }
        });

    /// <summary>A tensor held in memory.</summary>
    public static GgufTensorSource FromBytes(string name, GgmlType type, long[] dimensions, ReadOnlyMemory<byte> data)
    {
        var descriptor = new GgufTensorDescriptor(name, type, dimensions);
        if (data.Length != descriptor.ByteLength)
            throw new ArgumentException($"tensor '{name}' needs {descriptor.ByteLength} bytes, got {data.Length}", nameof(data));
        return new GgufTensorSource(descriptor, writer => writer.WriteTensorData(data.Span));
    }
}
