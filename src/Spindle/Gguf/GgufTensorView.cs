namespace Spindle.Gguf;

/// <summary>
/// One tensor of a <see cref="GgufFile"/> view (a model assembled from another format): its GGUF description and where
/// its bytes are in memory. Either the bytes already exist (a mapped file's, with that file and offset, so that writers
/// can read them with positioned reads instead of through the mapping), or they are built on first use by a producer
/// (e.g. rows reordered from another tensor), so that a view opened only to be inspected copies nothing.
/// </summary>
internal sealed unsafe class GgufTensorView
{
    private readonly Func<nint>? _produce;
    private readonly Lock _gate = new();
    private byte* _data;

    /// <summary>Bytes that exist: <paramref name="data"/>, found unchanged in <paramref name="filePath"/> at <paramref name="fileOffset"/> when given.</summary>
    public GgufTensorView(GgufTensorDescriptor descriptor, byte* data, string? filePath, long fileOffset)
    {
        Descriptor = descriptor;
        _data = data;
        FilePath = filePath;
        FileOffset = fileOffset;
    }

    /// <summary>Bytes built when first asked for: <paramref name="produce"/> returns their address, kept alive by the view's owner.</summary>
    public GgufTensorView(GgufTensorDescriptor descriptor, Func<nint> produce)
    {
        Descriptor = descriptor;
        _produce = produce;
    }

    public GgufTensorDescriptor Descriptor { get; }

    /// <summary>The first byte, produced on first access when needed; valid while the view's owner is alive.</summary>
    public byte* Data
    {
        get
        {
            if (_data != null || _produce == null) return _data;
            lock (_gate)
            {
                if (_data == null) _data = (byte*)_produce();
                return _data;
            }
        }
    }

    /// <summary>The file holding these exact bytes, or null when they are built in memory.</summary>
    public string? FilePath { get; }

    /// <summary>Absolute offset of the first byte in <see cref="FilePath"/>.</summary>
    public long FileOffset { get; }
}
