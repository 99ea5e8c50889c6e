namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// What a container around a tokenizer.json knows better than the file itself: the special ids a GGUF file's
/// tokenizer.ggml.* keys name, and the model's vocabulary size (ids past the tokenizer's are unused padding).
/// Null leaves the tokenizer.json's own choice.
/// </summary>
public sealed record HfTokenizerOverrides
{
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? EotId { get; init; }

    /// <summary>The vocabulary has at least this many ids; the extra ones are <see cref="TokenAttributes.Unused"/>.</summary>
    public int MinimumTokenCount { get; init; }
}
