namespace Spindle.Constraints.Vocabulary;

/// <summary>
/// What the constraint engine needs to know about a tokenizer: each token's bytes and which ids are special. Like
/// llguidance's TokenizerEnv, it knows no model and no grammar; implementations must be immutable and thread-safe.
/// </summary>
public interface IConstraintVocabulary
{
    int TokenCount { get; }

    /// <summary>The bytes the token decodes to (empty for tokens with no text).</summary>
    ReadOnlySpan<byte> TokenBytes(int tokenId);

    /// <summary>Special tokens (control, unknown, ...) are never allowed by a grammar; EOG ids are allowed only at accept.</summary>
    bool IsSpecial(int tokenId);

    /// <summary>The end-of-sequence id, or -1.</summary>
    int EosId { get; }

    /// <summary>Every id that ends generation (EOS, EOT, ...), allowed in the mask exactly when the grammar accepts.</summary>
    ReadOnlySpan<int> EndOfGenerationIds { get; }
}
