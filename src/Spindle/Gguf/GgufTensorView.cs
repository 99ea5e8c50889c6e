namespace Spindle.Gguf;

/// <summary>
/// One tensor of a <see cref="GgufFile"/> view (a model assembled from another format): its GGUF description, where its
/// bytes are in memory, and, when those bytes are a file's bytes unchanged, which file and where, so that writers can
/// read them with positioned reads instead of through the mapping.
/// </summary>
internal sealed unsafe class GgufTensorView(GgufTensorDescriptor descriptor, byte* data, string? filePath, long fileOffset)
{
    public GgufTensorDescriptor Descriptor { get; } = descriptor;

    /// <summary>The first byte; valid while the view's owner is alive.</summary>
    public byte* Data { get; } = data;

    /// <summary>The file holding these exact bytes, or null when they were made in memory.</summary>
    public string? FilePath { get; } = filePath;

    /// <summary>Absolute offset of the first byte in <see cref="FilePath"/>.</summary>
    public long FileOffset { get; } = fileOffset;
}
