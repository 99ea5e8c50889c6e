using Spindle.Gguf;
using Spindle.Models;
using Spindle.Models.HuggingFace;

namespace Spindle.Cli;

internal static class ModelFiles
{
    /// <summary>A model path must be a file or a Hugging Face checkpoint folder (one with a config.json).</summary>
    public static void CheckExists(string path)
    {
        if (Directory.Exists(path))
        {
            if (!HfCheckpoint.IsCheckpointFolder(path))
                throw new CliException($"model path is a directory without {HfCheckpoint.ConfigFileName}: {path} (give a GGUF file or a Hugging Face checkpoint folder)");
            return;
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
    }

    /// <summary>Opens a GGUF file or a checkpoint folder (as a GGUF view), naming the path in every failure.</summary>
    public static GgufFile Open(string path)
    {
        CheckExists(path);
        try
        {
            return ModelSource.Open(path);
        }
        catch (GgufFormatException ex)
        {
            throw new GgufFormatException($"{path}: {ex.Message}");
        }
    }
}
