using Spindle.Gguf;
using Spindle.Models.HuggingFace;

namespace Spindle.Models;

/// <summary>What a model path may name: a GGUF file, or a Hugging Face checkpoint folder presented as one.</summary>
public static class ModelSource
{
    /// <summary>
    /// Opens <paramref name="path"/>: a folder through <see cref="HfCheckpoint.Open"/> (a <see cref="GgufFile"/> view),
    /// anything else as a GGUF file. The caller disposes the result.
    /// </summary>
    public static GgufFile Open(string path) => Directory.Exists(path) ? HfCheckpoint.Open(path) : GgufFile.Open(path);
}
