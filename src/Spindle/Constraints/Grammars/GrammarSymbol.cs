namespace Spindle.Constraints.Grammars;

/// <summary>A grammar symbol: a rule (nonterminal) or a lexeme (terminal), by index into its <see cref="Grammar"/>.</summary>
public readonly record struct GrammarSymbol(bool IsLexeme, int Index)
{
    public static GrammarSymbol Rule(int index) => new(false, index);
    public static GrammarSymbol Lexeme(int index) => new(true, index);
    public override string ToString() => IsLexeme ? $"L{Index}" : $"R{Index}";
}
