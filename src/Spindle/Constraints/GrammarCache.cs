using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.Parsing;

namespace Spindle.Constraints;

/// <summary>The source languages a <see cref="GrammarCache"/> compiles.</summary>
public enum GrammarSyntax
{
    Regex,
    Gbnf,
    /// <summary>GBNF with one lexeme per character: exact llama.cpp semantics, slower masks.</summary>
    GbnfPerCharacter,
    /// <summary>Choices separated by '\n'.</summary>
    Choice,
    /// <summary>JSON Schema text for generation; bounded JSON whitespace around structure (JsonSchemaGrammar.FlexibleGeneration).</summary>
    JsonSchema,
    /// <summary>JSON Schema text for generation; no whitespace inside the value (JsonSchemaGrammar.CompactGeneration).</summary>
    JsonSchemaCompact,
}

/// <summary>
/// Compiled grammars keyed by a SHA-256 of (syntax, source), so sequences with the same constraint share one
/// <see cref="CompiledGrammar"/> and its lazily built lexer DFA. Thread-safe; each source compiles once.
/// </summary>
public sealed class GrammarCache
{
    private readonly ConcurrentDictionary<string, Lazy<CompiledGrammar>> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public CompiledGrammar GetOrCompile(GrammarSyntax syntax, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string key = ContentKey(syntax.ToString(), source);
        var lazy = _entries.GetOrAdd(key, _ => new Lazy<CompiledGrammar>(() => Compile(syntax, source)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _entries.TryRemove(key, out _); // a failed compile is not cached
            throw;
        }
    }

    /// <summary>For grammars built in code (e.g. from JSON Schema): keyed by the grammar's canonical text.</summary>
    public CompiledGrammar GetOrCompile(Grammar grammar)
    {
        string key = ContentKey("ir", grammar.ToCanonicalString());
        var lazy = _entries.GetOrAdd(key, _ => new Lazy<CompiledGrammar>(() => new CompiledGrammar(grammar)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _entries.TryRemove(key, out _); // a failed compile is not cached
            throw;
        }
    }

    // A JSON Schema's limits are the schema's errors: whatever the lexer or parser tables refuse is reported as one.
    private static CompiledGrammar Compile(GrammarSyntax syntax, string source)
    {
        var grammar = Parse(syntax, source);
        if (syntax is not (GrammarSyntax.JsonSchema or GrammarSyntax.JsonSchemaCompact)) return new CompiledGrammar(grammar);
        try
        {
            return new CompiledGrammar(grammar);
        }
        catch (GrammarException e)
        {
            throw new JsonSchema.Compilation.JsonSchemaCompileException("schema", $"the schema's grammar is too large: {e.Message}", e);
        }
    }

    public static Grammar Parse(GrammarSyntax syntax, string source) => syntax switch
    {
        GrammarSyntax.Regex => RegexGrammar.Parse(source),
        GrammarSyntax.Gbnf => GbnfGrammar.Parse(source),
        GrammarSyntax.GbnfPerCharacter => GbnfGrammar.Parse(source, perCharacterLexemes: true),
        GrammarSyntax.Choice => ChoiceGrammar.Create(source.Split('\n')),
        GrammarSyntax.JsonSchema => JsonSchemaGrammar.Parse(source, JsonSchemaGrammar.FlexibleGeneration),
        GrammarSyntax.JsonSchemaCompact => JsonSchemaGrammar.Parse(source, JsonSchemaGrammar.CompactGeneration),
        _ => throw new ArgumentOutOfRangeException(nameof(syntax)),
    };

    private static string ContentKey(string kind, string source)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(kind + "\0" + source);
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
