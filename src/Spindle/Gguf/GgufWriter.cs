namespace Spindle.Gguf;

/// <summary>
/// Writes a GGUF file as a stream, never holding tensor data: <see cref="WriteHeader"/> first (magic, version, counts,
/// metadata in order, tensor infos), then each tensor's bytes in header order through <see cref="WriteTensorData"/>
/// (in one call or in chunks), then <see cref="Complete"/>.
/// </summary>
/// <remarks>
/// Layout, as llama.cpp's writers produce it: the data section starts at the header's end rounded up to
/// <c>general.alignment</c> (default 32); each tensor's offset is the previous tensor's offset plus its size rounded up
/// to the alignment, and each tensor's bytes, the last one's included, are followed by zeros up to that boundary.
/// A file without tensors has no data section and ends right after the header, as gguf-py writes vocabulary-only files.
/// </remarks>
public sealed class GgufWriter : IDisposable
{
    private readonly GgufByteSink _sink;
    private readonly bool _leaveOpen;
    private GgufTensorInfo[]? _tensors;
    private int _alignment;
    private long _dataOffset;
    private int _tensorIndex;
    private long _tensorBytesWritten;
    private bool _completed;

    public GgufWriter(Stream destination, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite) throw new ArgumentException("stream is not writable", nameof(destination));
        _sink = new GgufByteSink(destination);
        _leaveOpen = leaveOpen;
    }

    /// <summary>Creates (or overwrites) a file for writing.</summary>
    public static GgufWriter Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20));

    /// <summary>Bytes written so far.</summary>
    public long Position => _sink.Position;

    /// <summary>The tensors with the offsets the header gave them (relative to the data section), after <see cref="WriteHeader"/>.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors ?? throw new InvalidOperationException("the header has not been written");

    /// <summary>Absolute offset of the data section.</summary>
    public long DataOffset => _tensors != null ? _dataOffset : throw new InvalidOperationException("the header has not been written");

    /// <summary>Index of the tensor whose bytes <see cref="WriteTensorData"/> expects next; equals the count when all are written.</summary>
    public int NextTensorIndex => _tensorIndex;

    /// <summary>
    /// Writes everything before the tensor data and returns the tensor infos with their offsets.
    /// The alignment comes from <c>general.alignment</c> in <paramref name="metadata"/> (a u32 power of two) or is 32.
    /// </summary>
    public IReadOnlyList<GgufTensorInfo> WriteHeader(GgufMetadata metadata, IReadOnlyList<GgufTensorDescriptor> tensors, uint version = 3)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        if (_tensors != null) throw new InvalidOperationException("the header has already been written");
        // v2 and v3 share the little-endian layout; v3 only added the (unsupported here) big-endian variant.
        if (version is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(version), version, "GGUF version must be 2 or 3");
        _alignment = AlignmentOf(metadata);

        var infos = new GgufTensorInfo[tensors.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        for (int i = 0; i < infos.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentException($"tensor {i} is null", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"duplicate tensor name '{t.Name}'", nameof(tensors));
            infos[i] = new GgufTensorInfo(t.Name, t.Type, t.Dimensions, offset, t.ByteLength);
            offset = checked(offset + GgufHeaderParser.AlignUp(t.ByteLength, _alignment));
        }

        _sink.WriteUInt32(GgufHeaderParser.Magic);
        _sink.WriteUInt32(version);
        _sink.WriteUInt64((ulong)infos.Length);
        _sink.WriteUInt64((ulong)metadata.Count);
        var encoder = new GgufMetadataEncoder(_sink);
        foreach (string key in metadata.Keys) encoder.WriteKeyValue(key, metadata[key]);
        foreach (var t in infos)
        {
            encoder.WriteString(t.Name);
            _sink.WriteUInt32((uint)t.Dimensions.Length);
            foreach (long d in t.Dimensions) _sink.WriteUInt64((ulong)d);
            _sink.WriteUInt32((uint)t.Type);
            _sink.WriteUInt64((ulong)t.Offset);
        }
        if (infos.Length > 0) _sink.PadTo(_alignment);
        _dataOffset = _sink.Position;
        _tensors = infos;
        return infos;
    }

    /// <summary>
    /// Appends bytes of the current tensor. A tensor may arrive in any number of chunks; once its last byte is written
    /// the padding follows and the next tensor becomes current. Writing past the current tensor's end is an error.
    /// </summary>
    public void WriteTensorData(ReadOnlySpan<byte> bytes)
    {
        var tensors = _tensors ?? throw new InvalidOperationException("write the header before tensor data");
        SkipEmptyTensors(tensors);
        if (bytes.IsEmpty) return;
        if (_tensorIndex >= tensors.Length)
            throw new InvalidOperationException($"{bytes.Length} bytes of tensor data written after the last tensor");
        var t = tensors[_tensorIndex];
        long remaining = t.ByteLength - _tensorBytesWritten;
        if (bytes.Length > remaining)
            throw new ArgumentException($"tensor '{t.Name}' is {t.ByteLength} bytes; {_tensorBytesWritten} written, {bytes.Length} more given");
        _sink.Write(bytes);
        _tensorBytesWritten += bytes.Length;
        if (_tensorBytesWritten == t.ByteLength)
        {
            _sink.PadTo(_alignment);
            _tensorIndex++;
            _tensorBytesWritten = 0;
            SkipEmptyTensors(tensors);
        }
    }

    /// <summary>A tensor of no bytes takes no room (its offset equals the next one's), so it is done as soon as it is reached.</summary>
    private void SkipEmptyTensors(GgufTensorInfo[] tensors)
    {
        while (_tensorBytesWritten == 0 && _tensorIndex < tensors.Length && tensors[_tensorIndex].ByteLength == 0) _tensorIndex++;
    }

    /// <summary>Checks that every tensor was written in full and flushes the stream.</summary>
    public void Complete()
    {
        var tensors = _tensors ?? throw new InvalidOperationException("the header has not been written");
        SkipEmptyTensors(tensors);
        if (_tensorIndex < tensors.Length)
        {
            var t = tensors[_tensorIndex];
            throw new InvalidOperationException(
                $"tensor '{t.Name}' has {_tensorBytesWritten} of its {t.ByteLength} bytes; {tensors.Length - _tensorIndex} tensor(s) incomplete");
        }
        _sink.Stream.Flush();
        _completed = true;
    }

    public bool IsCompleted => _completed;

    public void Dispose()
    {
        if (!_leaveOpen) _sink.Stream.Dispose();
    }

    private static int AlignmentOf(GgufMetadata metadata)
    {
        if (!metadata.TryGetValue(GgufKeys.Alignment, out var v)) return GgufHeaderParser.DefaultAlignment;
        if (v.Value is not uint a || a == 0 || (a & (a - 1)) != 0 || a > (1u << 30))
            throw new ArgumentException($"{GgufKeys.Alignment} must be a u32 power of two, got {v.Type} {v}");
        return (int)a;
    }
}
