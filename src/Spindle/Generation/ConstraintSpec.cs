using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Parsing;

namespace Spindle.Generation;

/// <summary>
/// What the generated text must match: a regex, GBNF text, a choice list or a JSON Schema. <see cref="Compile"/> turns
/// it into a vocabulary-independent <see cref="CompiledGrammar"/> through a <see cref="GrammarCache"/> (keyed by the
/// source text, so a schema compiles once per cache).
/// </summary>
public sealed record ConstraintSpec
{
    private ConstraintSpec(ConstraintKind kind, string source, IReadOnlyList<string> choices, bool perCharacter,
        JsonWhitespace whitespace = JsonWhitespace.Flexible, PropertyOrder propertyOrder = PropertyOrder.Any)
    {
        Kind = kind;
        Source = source;
        Choices = choices;
        GbnfPerCharacter = perCharacter;
        Whitespace = whitespace;
        PropertyOrder = propertyOrder;
    }

    public ConstraintKind Kind { get; }

    /// <summary>The regex, GBNF or JSON Schema text (empty for <see cref="ConstraintKind.Choice"/>).</summary>
    public string Source { get; }

    /// <summary>The choices of a <see cref="ConstraintKind.Choice"/> constraint (empty otherwise).</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>
    /// GBNF only: one lexeme per character, llama.cpp's exact semantics (slower masks). By default maximal regular runs
    /// become greedy lexemes, which can reject outputs llama.cpp accepts (see Constraints/DESIGN.md).
    /// </summary>
    public bool GbnfPerCharacter { get; }

    /// <summary>JSON Schema only: whether JSON whitespace may appear inside the generated value.</summary>
    public JsonWhitespace Whitespace { get; }

    /// <summary>
    /// JSON Schema only: declared properties in any order (each at most once), or in the order the schema lists them
    /// (what a reader that streams the value needs, e.g. a tool call's name before its arguments).
    /// </summary>
    public PropertyOrder PropertyOrder { get; }

    public static ConstraintSpec Regex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new(ConstraintKind.Regex, pattern, [], false);
    }

    public static ConstraintSpec Grammar(string gbnf, bool perCharacter = false)
    {
        ArgumentNullException.ThrowIfNull(gbnf);
        return new(ConstraintKind.Grammar, gbnf, [], perCharacter);
    }

    public static ConstraintSpec Choice(IEnumerable<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        string[] list = [.. choices];
        if (list.Length == 0) throw new ArgumentException("a choice constraint needs at least one choice", nameof(choices));
        foreach (string c in list)
            if (string.IsNullOrEmpty(c)) throw new ArgumentException("choices must not be empty strings", nameof(choices));
        return new(ConstraintKind.Choice, "", list, false);
    }

    /// <summary>
    /// The output is one JSON text valid under <paramref name="schema"/> (JSON Schema text, drafts 4 to 2020-12). The
    /// schema is compiled by <see cref="Compile"/>, not here; see <see cref="JsonSchemaGrammar"/> for its limits.
    /// Compact by default: with whitespace allowed inside the value, a small model sampling at temperature 0.8 tends to
    /// spend its whole budget on blank lines and indentation and never close the value.
    /// </summary>
    public static ConstraintSpec JsonSchema(string schema, JsonWhitespace whitespace = JsonWhitespace.Compact,
        PropertyOrder propertyOrder = PropertyOrder.Any)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!Enum.IsDefined(whitespace)) throw new ArgumentOutOfRangeException(nameof(whitespace), whitespace, "unknown whitespace mode");
        if (!Enum.IsDefined(propertyOrder)) throw new ArgumentOutOfRangeException(nameof(propertyOrder), propertyOrder, "unknown property order");
        return new(ConstraintKind.JsonSchema, schema, [], false, whitespace, propertyOrder);
    }

    /// <summary>
    /// Compiles (or finds) the grammar; throws <see cref="GrammarException"/> for a bad regex or GBNF source and
    /// <see cref="JsonSchemaCompileException"/> (its Keyword names the culprit) for a bad or unsupported schema.
    /// </summary>
    public CompiledGrammar Compile(GrammarCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return Kind switch
        {
            ConstraintKind.Regex => cache.GetOrCompile(GrammarSyntax.Regex, Source),
            ConstraintKind.Grammar => cache.GetOrCompile(GbnfPerCharacter ? GrammarSyntax.GbnfPerCharacter : GrammarSyntax.Gbnf, Source),
            // Through the IR, so a choice may contain any character (the text syntax separates choices by '\n').
            ConstraintKind.Choice => cache.GetOrCompile(ChoiceGrammar.Create(Choices)),
            ConstraintKind.JsonSchema when PropertyOrder == PropertyOrder.Schema => cache.GetOrCompile(JsonSchemaGrammar.Parse(Source,
                (Whitespace == JsonWhitespace.Compact ? JsonSchemaGrammar.CompactGeneration : JsonSchemaGrammar.FlexibleGeneration)
                with { PropertyOrder = PropertyOrder.Schema })),
            ConstraintKind.JsonSchema => cache.GetOrCompile(
                Whitespace == JsonWhitespace.Compact ? GrammarSyntax.JsonSchemaCompact : GrammarSyntax.JsonSchema, Source),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown constraint kind"),
        };
    }

    public override string ToString() => Kind switch
    {
        ConstraintKind.Choice => $"Choice [{string.Join(", ", Choices)}]",
        ConstraintKind.JsonSchema => $"JsonSchema ({Whitespace} whitespace, {PropertyOrder} order): {Source}",
        _ => $"{Kind}{(GbnfPerCharacter ? " (per character)" : "")}: {Source}",
    };
}
