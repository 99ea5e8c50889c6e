using Spindle.Tokenization;

namespace Spindle.Cli;

internal static class TokenizerFiles
{
    /// <summary>The tokenizer stored in a GGUF file (the file is closed again: a tokenizer keeps its own copy of the vocabulary).</summary>
    public static Tokenizer Load(string modelPath)
    {
        using var file = ModelFiles.Open(modelPath);
        return Tokenizer.FromGguf(file);
    }
}
