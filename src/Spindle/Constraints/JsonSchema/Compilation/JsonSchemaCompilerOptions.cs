namespace Spindle.Constraints.JsonSchema.Compilation;

public sealed record JsonSchemaCompilerOptions
{
    public static JsonSchemaCompilerOptions Default { get; } = new();

    /// <summary>
    /// Flexible (default): JSON whitespace <c>[ \t\n\r]*</c> is allowed around every structural character. Compact: none
    /// inside the value (leading/trailing whitespace around the whole document is always allowed, because SentencePiece
    /// tokenizers prefix a space).
    /// </summary>
    public bool CompactWhitespace { get; init; }

    /// <summary>
    /// Longest run of whitespace the grammar allows at one place (between two structural characters, and before or after
    /// the document); null: unbounded, as JSON allows (right for validating, replaying and masks). Generation needs a
    /// bound: whitespace is always allowed, and a model that prefers it (small models do) would otherwise spend its whole
    /// token budget on blank lines without ever finishing the value. llama.cpp's JSON grammars allow a newline plus 20
    /// indentation characters.
    /// </summary>
    public int? MaxWhitespace { get; init; }

    /// <summary>
    /// Largest repetition count enforced exactly (minItems/maxItems, minLength/maxLength). Beyond it the bound is
    /// relaxed (min dropped, max treated as unbounded): an over-approximation that never rejects a valid instance.
    /// </summary>
    public int MaxExactRepeat { get; init; } = 256;

    /// <summary>Deepest nesting of inline subschemas (not counting $ref, which become rules).</summary>
    public int MaxDepth { get; init; } = 200;
}
