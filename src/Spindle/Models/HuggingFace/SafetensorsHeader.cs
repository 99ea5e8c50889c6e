namespace Spindle.Models.HuggingFace;

/// <summary>A parsed and validated safetensors header: the tensors in file order, the free-form metadata, where data starts.</summary>
public sealed class SafetensorsHeader
{
    public required IReadOnlyList<SafetensorsTensor> Tensors { get; init; }

    /// <summary>The "__metadata__" map (string → string), empty when absent.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Absolute offset of the data section: 8 (the header length) + the header's bytes.</summary>
    public required long DataOffset { get; init; }
}
