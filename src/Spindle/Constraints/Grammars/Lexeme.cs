using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.Grammars;

/// <summary>
/// A grammar terminal: a regex matched greedily (maximal munch) as one unit by the lexer. A lexeme never matches the
/// empty string; <see cref="GrammarBuilder"/> makes a nullable regex optional at the grammar level instead.
/// With <see cref="Except"/>, the lexeme matches what <see cref="Regex"/> matches unless <see cref="Except"/> matches the
/// same bytes (an object's extra keys: any string but the declared names). The lexer runs the exception beside the
/// regex and vetoes the match, so the regex keeps its own small automaton (a free string stays one looping state).
/// </summary>
public sealed record Lexeme(string Name, RegexNode Regex, RegexNode? Except = null);
