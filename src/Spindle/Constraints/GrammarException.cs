namespace Spindle.Constraints;

/// <summary>
/// A grammar, regex or GBNF text that cannot be compiled: a syntax error, an undefined rule, or a construct past the
/// engine's limits (repetition counts, nesting depth, automaton size). <see cref="Line"/> and <see cref="Column"/> are
/// 1-based positions in the source text, 0 when the error has no single position.
/// </summary>
public class GrammarException : SpindleException
{
    public GrammarException(string message, int line = 0, int column = 0)
        : base(line > 0 ? $"{message} (line {line}, column {column})" : message)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }
    public int Column { get; }
}
