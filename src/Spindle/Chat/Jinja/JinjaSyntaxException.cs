namespace Spindle.Chat.Jinja;

/// <summary>A template that cannot be lexed or parsed; the message carries the 1-based line and column.</summary>
public sealed class JinjaSyntaxException(string message, int line, int column)
    : Exception($"{message} (line {line}, column {column})")
{
    public string Reason { get; } = message;
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>An error while rendering: an undefined value used as a value, a type error, or <c>raise_exception(msg)</c>.</summary>
public sealed class JinjaRuntimeException(string message, bool raisedByTemplate = false) : Exception(message)
{
    /// <summary>True when the template itself called <c>raise_exception</c>: the message is the template's own.</summary>
    public bool RaisedByTemplate { get; } = raisedByTemplate;
}
