namespace Spindle.Constraints.Grammars;

/// <summary>A nonterminal with its alternatives; each alternative is a sequence of symbols (empty = ε).</summary>
public sealed record GrammarRule(string Name, IReadOnlyList<GrammarSymbol[]> Alternatives);
