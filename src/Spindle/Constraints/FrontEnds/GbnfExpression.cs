using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.FrontEnds;

/// <summary>GBNF syntax tree (before lowering to the lexeme grammar). Offsets are into the source text.</summary>
internal abstract record GbnfExpression(int Offset);

internal sealed record GbnfSequence(int Offset, List<GbnfExpression> Items) : GbnfExpression(Offset);

internal sealed record GbnfAlternation(int Offset, List<GbnfExpression> Alternatives) : GbnfExpression(Offset);

internal sealed record GbnfRepeat(int Offset, GbnfExpression Item, int Min, int Max) : GbnfExpression(Offset);

internal sealed record GbnfRuleReference(int Offset, string Name) : GbnfExpression(Offset);

/// <summary>A literal string, a character class, or '.': one regex, always regular.</summary>
internal sealed record GbnfTerminal(int Offset, RegexNode Regex) : GbnfExpression(Offset);
