namespace Spindle.Chat;

/// <summary>
/// A chat template that failed: a syntax error (with <see cref="Line"/> and <see cref="Column"/>), a
/// <c>raise_exception(msg)</c> call (<see cref="RaisedByTemplate"/>; the message is exactly the template's), a
/// runtime error such as using an undefined value, or one of its <see cref="ChatTemplateLimits"/> reached
/// (<see cref="Limit"/>).
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

    /// <summary>
    /// The <see cref="ChatTemplateLimits"/> property the template would have exceeded (e.g. "MaxNestingDepth"), or null
    /// when it failed otherwise. The message names the limit and its value.
    /// </summary>
    public string? Limit { get; init; }
}
