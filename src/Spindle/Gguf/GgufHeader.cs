namespace Spindle.Gguf;

/// <summary>Everything before the tensor data: version, metadata, tensor infos, and where the data section starts.</summary>
public sealed class GgufHeader
{
    public required uint Version { get; init; }
    public required GgufMetadata Metadata { get; init; }
    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }
    public required int Alignment { get; init; }

    /// <summary>Absolute byte offset of the data section (the header's end rounded up to <see cref="Alignment"/>).</summary>
    public required long DataOffset { get; init; }
}
