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
    /// Largest repetition count enforced exactly (minItems/maxItems, minLength/maxLength). Beyond it the bound is
    /// relaxed (min dropped, max treated as unbounded): an over-approximation that never rejects a valid instance.
    /// </summary>
    public int MaxExactRepeat { get; init; } = 256;

    /// <summary>Order of declared object properties: any (default, exact) or schema order.</summary>
    public PropertyOrder PropertyOrder { get; init; } = PropertyOrder.Any;

    /// <summary>Deepest nesting of inline subschemas (not counting $ref, which become rules).</summary>
    public int MaxDepth { get; init; } = 200;
}
