namespace Spindle.Chat;

/// <summary>
/// A chat template that failed: a syntax error (with <see cref="Line"/> and <see cref="Column"/>), a
/// <c>raise_exception(msg)</c> call (<see cref="RaisedByTemplate"/>; the message is exactly the template's), or a
/// runtime error such as using an undefined value.
/// </summary>
public sealed class ChatTemplateException : SpindleException
{
    public ChatTemplateException(string message, bool raisedByTemplate, Exception? inner = null) : base(message, inner) =>
        RaisedByTemplate = raisedByTemplate;

    public ChatTemplateException(string message, int line, int column, Exception? inner = null)
        : base($"{message} (line {line}, column {column})", inner)
    {
        Line = line;
        Column = column;
    }

    /// <summary>True when the template called <c>raise_exception</c>; <see cref="Exception.Message"/> is its argument.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>1-based position of a syntax error, else null.</summary>
    public int? Line { get; }

    public int? Column { get; }
}
