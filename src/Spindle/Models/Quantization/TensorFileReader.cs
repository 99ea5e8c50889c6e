using Microsoft.Win32.SafeHandles;
using Spindle.Gguf;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
namespace Spindle.Models.Quantization;

/// <summary>
/// Reads tensor bytes of a GGUF file with positioned reads (pread) rather than through the memory map: a mapping keeps
/// every page it has touched in the process's resident set, so quantizing a 4 GB model through it would show 4 GB
/// resident, while reads here leave the data only in the page cache. A view's tensors are read from the files that hold
/// them (the safetensors shards of a checkpoint); tensors that exist only in memory are copied from there.
/// Safe to use from several threads at once.
/// </summary>
internal sealed unsafe class TensorFileReader : IDisposable
{
    private const int CopyChunkByteLength = 4 << 20;

    [ThreadStatic] private static byte[]? t_rowBuffer;

    private readonly GgufFile _file;
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);

    public TensorFileReader(GgufFile file)
    {
        _file = file;
        try
        {
            // Opened up front so that reads from several threads only look handles up.
            foreach (var tensor in file.Tensors)
            {
                if (file.TryGetTensorFileRange(tensor, out string path, out _) && !_handles.ContainsKey(path))
                    _handles[path] = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
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
        if (!_file.TryGetTensorFileRange(tensor, out string path, out long start))
        {
            new ReadOnlySpan<byte>(_file.GetTensorPointer(tensor) + offset, destination.Length).CopyTo(destination);
            return;
        }
        var handle = _handles[path];
        long position = start + offset;
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(handle, destination, position);
            if (n <= 0) throw new GgufFormatException($"tensor '{tensor.Name}': the file ends inside its data");
            destination = destination[n..];
            position += n;
        }
    }

    public void Dispose()
    {
        foreach (var handle in _handles.Values) handle.Dispose();
        _handles.Clear();
    }
}
