namespace Spindle.Gguf;

/// <summary>A GGUF file that does not follow the format. The message names the byte offset and the problem.</summary>
public sealed class GgufFormatException : SpindleException
{
    public GgufFormatException(string message) : base(message) { }

    public GgufFormatException(long byteOffset, string problem)
        : base($"GGUF error at byte {byteOffset}: {problem}")
    {
        ByteOffset = byteOffset;
    }

    /// <summary>Where in the file the problem was found, or -1 when it is not tied to one place.</summary>
    public long ByteOffset { get; } = -1;
}
