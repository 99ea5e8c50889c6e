namespace Spindle.Chat.Jinja;

/// <summary>
/// A template stopped because it would exceed one of its <see cref="ChatTemplateLimits"/>: <see cref="Limit"/> is the
/// property's name and the message gives its value and what was being attempted. Thrown before the work the limit
/// bounds, so nothing over the limit was allocated. <see cref="Line"/> and <see cref="Column"/> are set when parsing.
/// </summary>
public sealed class JinjaLimitException : Exception
{
    public JinjaLimitException(string limit, long value, string attempt, int? line = null, int? column = null)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"chat template exceeded {limit} ({value:N0}): {attempt}"))
    {
        Limit = limit;
        Line = line;
        Column = column;
    }

    /// <summary>The <see cref="ChatTemplateLimits"/> property that stopped the template, e.g. "MaxStringLength".</summary>
    public string Limit { get; }

    public int? Line { get; }

    public int? Column { get; }
}
