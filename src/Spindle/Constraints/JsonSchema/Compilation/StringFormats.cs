using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Regexes (over decoded characters) for the string formats the compiler enforces. date, time, date-time, uuid and ipv4
/// follow RFC 3339 / RFC 4122 / dotted-quad syntax (date checks day ≤ 31, not the month's length); email, uri, ipv6 and
/// hostname are deliberately loose shapes (over-approximations: they never reject a valid value, but let some invalid ones
/// through). Other formats are not enforced.
/// </summary>
public static class StringFormats
{
    private const string Date = @"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])";
    private const string Time = @"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)";
    private const string Octet = @"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)";

    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "[Tt ]" + Time,
        ["uuid"] = @"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        ["ipv4"] = $@"{Octet}\.{Octet}\.{Octet}\.{Octet}",
        ["ipv6"] = @"[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%[^\s]+)?",
        ["email"] = @".+@[^\s@]+",
        ["uri"] = @"[a-zA-Z][a-zA-Z0-9+.\-]*:[^\s]*",
        ["hostname"] = @"[A-Za-z0-9_\-.]+",
    };

    /// <summary>The decoded-character regex for <paramref name="format"/>, or null when the format is not enforced.</summary>
    public static RegexNode? For(string format) => Patterns.TryGetValue(format, out var p) ? RegexParser.Parse(p) : null;
}
