using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Spindle.Gguf;

/// <summary>
/// A GGUF file opened read-only and memory-mapped. The header is parsed and validated at open; tensor data is never
/// copied: <see cref="GetTensorData"/> returns a span over the mapping, valid until the file is disposed.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private GCHandle _pinned;
    private byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(string? path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, GCHandle pinned, byte* data, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _pinned = pinned;
        _base = data;
        Length = length;
        try
        {
            Header = GgufHeaderParser.Parse(data, length);
        }
        catch
        {
            Dispose();
            throw;
        }
        _tensorsByName = new Dictionary<string, GgufTensorInfo>(Header.Tensors.Count, StringComparer.Ordinal);
        foreach (var t in Header.Tensors) _tensorsByName[t.Name] = t;
    }

    /// <summary>Opens and validates a GGUF file; a malformed file throws <see cref="GgufFormatException"/>.</summary>
    public static GgufFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"model file not found: {path}", path);
        long length = info.Length;
        if (length < 24) throw new GgufFormatException(0, $"file is {length} bytes, too short for a GGUF header");
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            return new GgufFile(path, map, view, default, p, length);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            throw;
        }
    }

    /// <summary>Parses a GGUF image held in memory (tests, fuzzing). The array is pinned until disposal.</summary>
    public static GgufFile FromMemory(byte[] bytes)
    {
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        return new GgufFile(null, null, null, handle, (byte*)handle.AddrOfPinnedObject(), bytes.Length);
    }

    public string? Path { get; }

    /// <summary>File size in bytes.</summary>
    public long Length { get; }

    public GgufHeader Header { get; }

    public uint Version => Header.Version;

    public GgufMetadata Metadata => Header.Metadata;

    public IReadOnlyList<GgufTensorInfo> Tensors => Header.Tensors;

    public string? Architecture => Header.Metadata.Architecture;

    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    public GgufTensorInfo GetTensor(string name) => _tensorsByName.TryGetValue(name, out var t)
        ? t
        : throw new GgufFormatException($"tensor '{name}' is missing from {Path ?? "the model"}");

    /// <summary>The tensor's bytes inside the mapping. A tensor over 2 GiB must be read with <see cref="GetTensorPointer"/>.</summary>
    public ReadOnlySpan<byte> GetTensorData(GgufTensorInfo tensor)
    {
        if (tensor.ByteLength > int.MaxValue)
            throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.ByteLength} bytes; use GetTensorPointer for tensors over 2 GiB");
        return new ReadOnlySpan<byte>(GetTensorPointer(tensor), (int)tensor.ByteLength);
    }

    /// <summary>Pointer to the tensor's first byte inside the mapping; valid until <see cref="Dispose"/>.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + Header.DataOffset + tensor.Offset;
    }

    /// <summary>The raw bytes of the whole file (header included), for writers and checks.</summary>
    internal ReadOnlySpan<byte> GetBytes(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Length);
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    public void Dispose()
    {
        if (_view != null && _base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _base = null;
        _view?.Dispose();
        _map?.Dispose();
        if (_pinned.IsAllocated) _pinned.Free();
    }
}
