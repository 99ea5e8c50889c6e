using System.Text.Json;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.JsonSchema.Compilation;

namespace Spindle.Constraints.FrontEnds;

/// <summary>
/// JSON Schema text → <see cref="Grammar"/>: the entry point for untrusted schemas. It bounds the input before the
/// compiler sees it (text size, nesting depth) and reports JSON syntax errors with a 1-based line and column, then
/// hands the parsed schema to <see cref="JsonSchemaCompiler"/>. Every failure is a <see cref="JsonSchemaCompileException"/>
/// whose <see cref="JsonSchemaCompileException.Keyword"/> names the culprit ("schema" for the text itself).
/// </summary>
public static class JsonSchemaGrammar
{
    /// <summary>Largest schema text accepted, in UTF-16 chars (real-world schemas are far below; 10k-value enums fit).</summary>
    public const int MaxSchemaLength = 16 * 1024 * 1024;

    /// <summary>
    /// Deepest JSON nesting of the schema document. The compiler recurses per subschema (and stops at its own
    /// <see cref="JsonSchemaCompilerOptions.MaxDepth"/>), but enum/const values and annotations are walked recursively
    /// too, so the document itself is bounded here, well inside the thread's stack.
    /// </summary>
    public const int MaxJsonDepth = 512;

    /// <summary>
    /// Options for generating: JSON whitespace around structure, at most a newline plus 20 indentation characters per
    /// run (as llama.cpp's JSON grammars), numbers of at most 15 digits per part written canonically, and strings without
    /// maxLength of at most 128 characters, so a model cannot stall the value with endless blank lines, zeros or prose.
    /// </summary>
    public static JsonSchemaCompilerOptions FlexibleGeneration { get; } = new() { MaxWhitespace = 21, MaxNumberDigits = GenerationNumberDigits, MaxStringLength = GenerationStringLength };

    private const int GenerationNumberDigits = 15;

    // Characters in a string without maxLength: room for a sentence or two, and a string a small model opens always ends.
    private const int GenerationStringLength = 128;

    /// <summary>
    /// Options for generating compact JSON: no whitespace inside the value, and one whitespace character at most before
    /// and after it (a SentencePiece tokenizer's leading space, a final newline).
    /// </summary>
    public static JsonSchemaCompilerOptions CompactGeneration { get; } =
        new() { CompactWhitespace = true, MaxWhitespace = 1, MaxNumberDigits = GenerationNumberDigits, MaxStringLength = GenerationStringLength };

    public static Grammar Parse(string schemaJson, JsonSchemaCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        if (options?.MaxWhitespace is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxWhitespace, "MaxWhitespace must be at least 1 (or null: unbounded)");
        if (options?.MaxNumberDigits is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxNumberDigits, "MaxNumberDigits must be in 1..1000 (or null: unbounded)");
        if (options?.MaxStringLength is < 1 || (options?.MaxStringLength is int cap && cap > options.MaxExactRepeat))
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxStringLength, $"MaxStringLength must be in 1..MaxExactRepeat ({options.MaxExactRepeat}) (or null: unbounded)");
        if (schemaJson.Length > MaxSchemaLength)
            throw new JsonSchemaCompileException("schema", $"the schema text has {schemaJson.Length} chars; at most {MaxSchemaLength} are accepted");
        JsonElement schema;
        try
        {
            using var doc = JsonDocument.Parse(schemaJson, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
            schema = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new JsonSchemaCompileException("schema", $"not valid JSON{Position(e)}: {FirstSentence(e.Message)}", e);
        }
        try
        {
            return JsonSchemaCompiler.Compile(schema, options);
        }
        catch (JsonException e)
        {
            // Schema-shaped values of the wrong JSON kind (e.g. "required": 3 read as an array) surface from
            // System.Text.Json's accessors; they are schema errors, not crashes.
            throw new JsonSchemaCompileException("schema", FirstSentence(e.Message), e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new JsonSchemaCompileException("schema", e.Message, e);
        }
    }

    // System.Text.Json counts lines and bytes from 0; editors count from 1.
    private static string Position(JsonException e) =>
        e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";

    // The exception's own message repeats the position as "LineNumber: 0 | BytePositionInLine: 5.", 0-based.
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
