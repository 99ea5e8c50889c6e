using System.CommandLine;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Vocabulary;
using Spindle.Generation;

namespace Spindle.Cli.Commands;

/// <summary>
/// The output-constraint flags of `spindle generate`: --regex, --grammar (GBNF file), --choice, --json-schema (file) or
/// --json-schema-inline (text), one of them; --grammar-per-char modifies --grammar, and --json-spaced (whitespace inside
/// the JSON) or --json-compact (none: the default) the JSON Schema kinds.
/// </summary>
internal sealed class ConstraintFlags
{
    private readonly Option<string?> _regex = new("--regex") { Description = "The whole output matches this regular expression" };
    private readonly Option<FileInfo?> _grammar = new("--grammar") { Description = "The whole output matches this GBNF grammar file (llama.cpp format, rule 'root')" };
    private readonly Option<bool> _perChar = new("--grammar-per-char") { Description = "--grammar with one lexeme per character: llama.cpp's exact semantics, slower" };
    private readonly Option<string?> _choice = new("--choice") { Description = "The output is exactly one of these comma-separated strings" };
    private readonly Option<FileInfo?> _jsonSchema = new("--json-schema") { Description = "The output is JSON valid under this JSON Schema file" };
    private readonly Option<string?> _jsonSchemaInline = new("--json-schema-inline") { Description = "As --json-schema, with the schema's text given on the command line" };
    private readonly Option<bool> _jsonCompact = new("--json-compact") { Description = "With --json-schema: no whitespace inside the JSON output (the default)" };
    private readonly Option<bool> _jsonSpaced = new("--json-spaced") { Description = "With --json-schema: allow whitespace inside the JSON output (runs of at most a newline and 20 indentation characters); a small model may spend its -n budget on it" };

    public IEnumerable<Option> All => [_regex, _grammar, _perChar, _choice, _jsonSchema, _jsonSchemaInline, _jsonCompact, _jsonSpaced];

    private const string FlagList = "--regex, --grammar, --choice, --json-schema and --json-schema-inline";

    // The flag each parsed constraint came from, so Validate's messages name the one the user typed
    // (--json-schema-inline, not --json-schema; never --choice for a schema).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ConstraintSpec, string> FlagOf = new();

    private static ConstraintSpec Remember(ConstraintSpec spec, string flag)
    {
        FlagOf.AddOrUpdate(spec, flag);
        return spec;
    }

    /// <summary>The flag <paramref name="constraint"/> was given with, or the usual one for its kind (built in code).</summary>
    internal static string FlagFor(ConstraintSpec constraint) =>
        FlagOf.TryGetValue(constraint, out string? flag) ? flag : constraint.Kind switch
        {
            ConstraintKind.Regex => "--regex",
            ConstraintKind.Grammar => "--grammar",
            ConstraintKind.Choice => "--choice",
            _ => "--json-schema",
        };

    /// <summary>The constraint the flags ask for, or null; errors in the flags themselves are <see cref="CliException"/>s.</summary>
    public ConstraintSpec? Parse(ParseResult parse)
    {
        string? regex = parse.GetValue(_regex);
        FileInfo? grammar = parse.GetValue(_grammar);
        string? choice = parse.GetValue(_choice);
        bool perChar = parse.GetValue(_perChar);
        FileInfo? schemaFile = parse.GetValue(_jsonSchema);
        string? schemaText = parse.GetValue(_jsonSchemaInline);
        bool compact = parse.GetValue(_jsonCompact), spaced = parse.GetValue(_jsonSpaced);
        int given = (regex is null ? 0 : 1) + (grammar is null ? 0 : 1) + (choice is null ? 0 : 1)
            + (schemaFile is null ? 0 : 1) + (schemaText is null ? 0 : 1);
        if (given > 1) throw new CliException($"choose one of {FlagList}");
        if (perChar && grammar is null) throw new CliException("--grammar-per-char needs --grammar");
        if ((compact || spaced) && schemaFile is null && schemaText is null)
            throw new CliException($"{(compact ? "--json-compact" : "--json-spaced")} needs --json-schema or --json-schema-inline");
        if (compact && spaced) throw new CliException("choose --json-compact or --json-spaced, not both");
        // Compact unless asked: with whitespace allowed, a small model at temperature 0.8 tends to fill its budget with
        // blank lines and indentation and never closes the value.
        var whitespace = spaced ? JsonWhitespace.Flexible : JsonWhitespace.Compact;
        if (schemaFile is not null) return Remember(ConstraintSpec.JsonSchema(ReadSchemaFile(schemaFile), whitespace), "--json-schema");
        if (schemaText is not null)
        {
            if (schemaText.Trim().Length == 0) throw new CliException("--json-schema-inline: the schema is empty");
            return Remember(ConstraintSpec.JsonSchema(schemaText, whitespace), "--json-schema-inline");
        }
        if (regex is not null)
        {
            if (regex.Length == 0) throw new CliException("--regex: the pattern is empty");
            return Remember(ConstraintSpec.Regex(regex), "--regex");
        }
        if (grammar is not null)
        {
            if (!grammar.Exists) throw new CliException($"grammar file not found: {grammar.FullName}");
            return Remember(ConstraintSpec.Grammar(BoundedText.ReadFile(grammar.FullName, "--grammar", JsonSchemaGrammar.MaxSchemaLength /* the same bound as a schema */), perChar), "--grammar");
        }
        if (choice is not null)
        {
            string[] choices = choice.Split(',');
            foreach (string c in choices)
                if (c.Length == 0) throw new CliException($"--choice: empty choice in '{choice}'");
            return Remember(ConstraintSpec.Choice(choices), "--choice");
        }
        return null;
    }

    private static string ReadSchemaFile(FileInfo file)
    {
        if (!file.Exists) throw new CliException($"--json-schema: file not found: {file.FullName}");
        return BoundedText.ReadFile(file.FullName, "--json-schema", JsonSchemaGrammar.MaxSchemaLength);
    }

    /// <summary>Compiles <paramref name="constraint"/> for <paramref name="spindle"/> now, so a bad grammar is one clear error before generating.</summary>
    public static void Validate(SpindleModel spindle, ConstraintSpec constraint)
    {
        Matcher matcher;
        try
        {
            matcher = spindle.CreateMatcher(constraint);
        }
        catch (GrammarException ex)
        {
            throw new CliException($"{FlagFor(constraint)}: {ex.Message}");
        }
        catch (JsonSchemaCompileException ex)
        {
            // The message starts with the keyword at fault ("$ref: ...", "schema: not valid JSON at line 3, column 7: ...").
            throw new CliException($"{FlagFor(constraint)}: {ex.Message}");
        }
        // A vocabulary without the first character the constraint needs (e.g. '{' in a model without byte-fallback
        // tokens) would fail at the first token; say so before generating.
        var mask = new TokenMask(matcher.VocabularySize);
        matcher.ComputeMask(mask);
        foreach (ulong word in mask.Words)
            if (word != 0) return;
        throw new CliException("the constraint cannot be met: no token of this model's vocabulary can begin the output");
    }
}
