using Spindle.Gguf;

namespace Spindle.Cli;

internal static class ModelFiles
{
    /// <summary>Opens a GGUF file, naming the path in every failure.</summary>
    public static GgufFile Open(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"model path is a directory, not a GGUF file: {path}");
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        try
        {
            return GgufFile.Open(path);
        }
        catch (GgufFormatException ex)
        {
            throw new GgufFormatException($"{path}: {ex.Message}");
        }
    }
}
