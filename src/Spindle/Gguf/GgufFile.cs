using System.Runtime.InteropServices;

namespace Spindle.Gguf;

/// <summary>
/// A GGUF file opened read-only and memory-mapped. The header is parsed and validated at open; tensor data is never
/// copied: <see cref="GetTensorData"/> returns a span over the mapping, valid until the file is disposed.
/// A <em>view</em> (<see cref="IsView"/>) presents a model stored in another format (a Hugging Face checkpoint folder) as
/// the same thing: metadata built in memory, tensors pointing into that format's own mapped files.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MappedFile? _mapped;
    private GCHandle _pinned;
    private byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;
    private readonly Dictionary<string, GgufTensorView>? _views;
    private readonly IDisposable? _viewOwner;
    private bool _disposed;

    private GgufFile(string? path, MappedFile? mapped, GCHandle pinned, byte* data, long length)
    {
        Path = path;
        _mapped = mapped;
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
        _tensorsByName = IndexByName(Header.Tensors);
    }

    private GgufFile(string path, long length, GgufHeader header, Dictionary<string, GgufTensorView> views, IDisposable owner)
    {
        Path = path;
        Length = length;
        Header = header;
        _views = views;
        _viewOwner = owner;
        _tensorsByName = IndexByName(header.Tensors);
    }

    private static Dictionary<string, GgufTensorInfo> IndexByName(IReadOnlyList<GgufTensorInfo> tensors)
    {
        var byName = new Dictionary<string, GgufTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (var t in tensors) byName[t.Name] = t;
        return byName;
    }

    /// <summary>Opens and validates a GGUF file; a malformed file throws <see cref="GgufFormatException"/>.</summary>
    public static GgufFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"model file not found: {path}", path);
        if (info.Length < 24) throw new GgufFormatException(0, $"file is {info.Length} bytes, too short for a GGUF header");
        var mapped = MappedFile.Open(path);
        try
        {
            return new GgufFile(path, mapped, default, mapped.Pointer, mapped.Length);
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    /// <summary>Parses a GGUF image held in memory (tests, fuzzing). The array is pinned until disposal.</summary>
    public static GgufFile FromMemory(byte[] bytes)
    {
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        return new GgufFile(null, null, handle, (byte*)handle.AddrOfPinnedObject(), bytes.Length);
    }

    /// <summary>
    /// A view: <paramref name="metadata"/> and <paramref name="tensors"/> as a GGUF file would hold them, the tensors'
    /// bytes already in memory (mapped from their own files or built there). Offsets are assigned as a GGUF writer would
    /// lay the data out. <paramref name="owner"/> keeps that memory alive and is disposed with the view.
    /// </summary>
    internal static GgufFile CreateView(string path, long byteLength, GgufMetadata metadata, IReadOnlyList<GgufTensorView> tensors, IDisposable owner)
    {
        var infos = new GgufTensorInfo[tensors.Count];
        var views = new Dictionary<string, GgufTensorView>(tensors.Count, StringComparer.Ordinal);
        long offset = 0;
        for (int i = 0; i < infos.Length; i++)
        {
            var d = tensors[i].Descriptor;
            if (!views.TryAdd(d.Name, tensors[i])) throw new ArgumentException($"duplicate tensor name '{d.Name}'", nameof(tensors));
            infos[i] = new GgufTensorInfo(d.Name, d.Type, d.Dimensions, offset, d.ByteLength);
            offset = checked(offset + GgufHeaderParser.AlignUp(d.ByteLength, GgufHeaderParser.DefaultAlignment));
        }
        var header = new GgufHeader
        {
            Version = 3,
            Metadata = metadata,
            Tensors = infos,
            Alignment = GgufHeaderParser.DefaultAlignment,
            DataOffset = 0,
        };
        return new GgufFile(path, byteLength, header, views, owner);
    }

    /// <summary>The file's path, or the folder a view was assembled from; null for an image in memory.</summary>
    public string? Path { get; }

    /// <summary>File size in bytes (for a view, the total size of the files it maps).</summary>
    public long Length { get; }

    /// <summary>True when this is not one GGUF file but a model in another format presented as one (see <see cref="CreateView"/>).</summary>
    public bool IsView => _views != null;

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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_views == null) return _base + Header.DataOffset + tensor.Offset;
        return _views.TryGetValue(tensor.Name, out var view)
            ? view.Data
            : throw new ArgumentException($"tensor '{tensor.Name}' is not part of {Path}", nameof(tensor));
    }

    /// <summary>
    /// Drops the tensor's pages from the process's resident memory once a copy has taken their place (a mapped file on
    /// Linux; otherwise nothing). The bytes stay readable: a later read brings them back from the file.
    /// </summary>
    public void ReleaseTensorPages(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_mapped != null && _views == null) _mapped.ReleasePages(Header.DataOffset + tensor.Offset, tensor.ByteLength);
    }

    /// <summary>
    /// The file and absolute offset holding the tensor's bytes unchanged, so a reader can use positioned reads instead
    /// of touching the mapping; false when the bytes exist only in memory (an image in memory, or a tensor a view built).
    /// </summary>
    internal bool TryGetTensorFileRange(GgufTensorInfo tensor, out string filePath, out long fileOffset)
    {
        if (_views != null)
        {
            if (_views.TryGetValue(tensor.Name, out var view) && view.FilePath is { } viewPath)
            {
                (filePath, fileOffset) = (viewPath, view.FileOffset);
                return true;
            }
        }
        else if (Path != null)
        {
            (filePath, fileOffset) = (Path, Header.DataOffset + tensor.Offset);
            return true;
        }
        (filePath, fileOffset) = ("", 0);
        return false;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _base = null;
        _mapped?.Dispose();
        _viewOwner?.Dispose();
        if (_pinned.IsAllocated) _pinned.Free();
    }
}
