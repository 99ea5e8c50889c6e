namespace Spindle.Generation;

/// <summary>Where a JSON Schema constraint lets the model put whitespace.</summary>
public enum JsonWhitespace
{
    /// <summary>JSON whitespace (<c>[ \t\n\r]*</c>) around every structural character, as JSON allows.</summary>
    Flexible,

    /// <summary>
    /// None inside the value: fewer tokens, and a small model cannot spend its budget on blank lines. Whitespace before
    /// and after the whole document is still allowed (SentencePiece tokenizers prefix a space).
    /// </summary>
    Compact,
}
