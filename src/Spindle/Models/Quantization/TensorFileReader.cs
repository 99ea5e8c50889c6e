using Microsoft.Win32.SafeHandles;
using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Models.Quantization;

/// <summary>
/// Reads tensor bytes of a GGUF file with positioned reads (pread) rather than through the memory map: a mapping keeps
/// every page it has touched in the process's resident set, so quantizing a 4 GB model through it would show 4 GB
/// resident, while reads here leave the data only in the page cache. Safe to use from several threads at once.
/// </summary>
internal sealed class TensorFileReader : IDisposable
{
    private const int CopyChunkByteLength = 4 << 20;

    [ThreadStatic] private static byte[]? t_rowBuffer;

    private readonly SafeFileHandle _handle;
    private readonly long _dataOffset;

    public TensorFileReader(string path, GgufFile file)
    {
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        _dataOffset = file.Header.DataOffset;
    }

    /// <summary>Copies a tensor's bytes unchanged into the writer.</summary>
    public void Copy(GgufTensorInfo tensor, GgufWriter writer)
    {
        var buffer = new byte[(int)Math.Min(CopyChunkByteLength, Math.Max(1, tensor.ByteLength))];
        for (long done = 0; done < tensor.ByteLength;)
        {
            int n = (int)Math.Min(buffer.Length, tensor.ByteLength - done);
            Read(tensor, done, buffer.AsSpan(0, n));
            writer.WriteTensorData(buffer.AsSpan(0, n));
            done += n;
        }
    }

    /// <summary>Row <paramref name="row"/> of an F32, F16 or BF16 tensor, widened to floats (exactly, as llama.cpp does before quantizing).</summary>
    public void ReadRowAsFloats(GgufTensorInfo tensor, WeightKernel kernel, long row, Span<float> destination)
    {
        int rowBytes = (int)GgmlTypeInfo.ByteLength(tensor.Type, destination.Length);
        if (t_rowBuffer == null || t_rowBuffer.Length < rowBytes) t_rowBuffer = new byte[rowBytes];
        var bytes = t_rowBuffer.AsSpan(0, rowBytes);
        Read(tensor, row * rowBytes, bytes);
        kernel.DequantizeRow(bytes, destination);
    }

    private void Read(GgufTensorInfo tensor, long offset, Span<byte> destination)
    {
        long position = _dataOffset + tensor.Offset + offset;
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_handle, destination, position);
            if (n <= 0) throw new GgufFormatException($"tensor '{tensor.Name}': the file ends inside its data");
            destination = destination[n..];
            position += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}
