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
    /// Generation: numbers are written canonically with at most this many digits per part (integer part, fraction;
    /// exponent ≤ 3), integers without a ".0" fraction, and an unbounded integer range gets this many digits beyond its
    /// other bound. Null (default): every JSON spelling of a valid number is accepted. A narrower language is still
    /// valid output, and without it a model that keeps picking '0' never finishes its number (llama.cpp bounds number
    /// digits to 16 for the same reason).
    /// </summary>
    public int? MaxNumberDigits { get; init; }

    /// <summary>
    /// Generation: a string without <c>maxLength</c> (free, or a pattern whose length can be counted) gets at most this
    /// many characters (or <c>minLength</c>, if larger). Null (default): unbounded, as JSON allows. A narrower language is
    /// still valid output, and without it a story model writing prose inside a string never picks the closing quote
    /// (the same reason as <see cref="MaxNumberDigits"/> and <see cref="MaxWhitespace"/>).
    /// </summary>
    public int? MaxStringLength { get; init; }

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
