using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.Grammars;

/// <summary>
/// A grammar terminal: a regex matched greedily (maximal munch) as one unit by the lexer. A lexeme never matches the
/// empty string; <see cref="GrammarBuilder"/> makes a nullable regex optional at the grammar level instead.
/// </summary>
public sealed record Lexeme(string Name, RegexNode Regex);
