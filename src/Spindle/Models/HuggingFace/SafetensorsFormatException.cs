namespace Spindle.Models.HuggingFace;

/// <summary>A .safetensors file that does not follow the format; the message names the file and the problem.</summary>
public sealed class SafetensorsFormatException(string path, string problem) : SpindleException($"{path}: {problem}")
{
    /// <summary>The offending file.</summary>
    public string FilePath { get; } = path;
}
