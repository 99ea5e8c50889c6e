using Spindle.Tokenization;

namespace Spindle.Cli;

internal static class TokenizerFiles
{
    /// <summary>
    /// The model's tokenizer, or the one <paramref name="tokenizerPath"/> names, checked against the model's vocabulary
    /// (the file is closed again: a tokenizer keeps its own copy of the vocabulary).
    /// </summary>
    public static Tokenizer Load(string modelPath, string? tokenizerPath = null)
    {
        ModelCommandOptions.CheckTokenizerPath(tokenizerPath);
        using var file = ModelFiles.Open(modelPath);
        if (tokenizerPath is null) return Tokenizer.FromGguf(file);
        return Tokenizer.FromFile(tokenizerPath, VocabularySize(file));
    }

    /// <summary>The model's vocabulary size: its embedding's rows, else (a vocabulary-only file) its token table's length.</summary>
    public static int? VocabularySize(Gguf.GgufFile file)
    {
        if (file.FindTensor("token_embd.weight") is { Dimensions.Length: >= 2 } embedding && embedding.Dimensions[1] <= int.MaxValue)
            return (int)embedding.Dimensions[1];
        return file.Metadata.GetArrayOrNull(Gguf.GgufKeys.Tokens)?.Count;
    }
}
