using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;

namespace Spindle.Generation;

/// <summary>
/// What the generated text must match: a regex, GBNF text or a choice list. <see cref="Compile"/> turns it into a
/// vocabulary-independent <see cref="CompiledGrammar"/> through a <see cref="GrammarCache"/>; a new source language
/// (JSON Schema) is one more kind whose case builds a Grammar IR and calls <see cref="GrammarCache.GetOrCompile(Spindle.Constraints.Grammars.Grammar)"/>.
/// </summary>
public sealed record ConstraintSpec
{
    private ConstraintSpec(ConstraintKind kind, string source, IReadOnlyList<string> choices, bool perCharacter)
    {
        Kind = kind;
        Source = source;
        Choices = choices;
        GbnfPerCharacter = perCharacter;
    }

    public ConstraintKind Kind { get; }

    /// <summary>The regex or GBNF text (empty for <see cref="ConstraintKind.Choice"/>).</summary>
    public string Source { get; }

    /// <summary>The choices of a <see cref="ConstraintKind.Choice"/> constraint (empty otherwise).</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>
    /// GBNF only: one lexeme per character, llama.cpp's exact semantics (slower masks). By default maximal regular runs
    /// become greedy lexemes, which can reject outputs llama.cpp accepts (see Constraints/DESIGN.md).
    /// </summary>
    public bool GbnfPerCharacter { get; }

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

    /// <summary>Compiles (or finds) the grammar; throws <see cref="GrammarException"/> for a bad source.</summary>
    public CompiledGrammar Compile(GrammarCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return Kind switch
        {
            ConstraintKind.Regex => cache.GetOrCompile(GrammarSyntax.Regex, Source),
            ConstraintKind.Grammar => cache.GetOrCompile(GbnfPerCharacter ? GrammarSyntax.GbnfPerCharacter : GrammarSyntax.Gbnf, Source),
            // Through the IR, so a choice may contain any character (the text syntax separates choices by '\n').
            ConstraintKind.Choice => cache.GetOrCompile(ChoiceGrammar.Create(Choices)),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown constraint kind"),
        };
    }

    public override string ToString() => Kind switch
    {
        ConstraintKind.Choice => $"Choice [{string.Join(", ", Choices)}]",
        _ => $"{Kind}{(GbnfPerCharacter ? " (per character)" : "")}: {Source}",
    };
}
