using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Regexes (over decoded characters) for the string formats the compiler enforces. date, time, date-time, uuid and ipv4
/// follow RFC 3339 / RFC 4122 / dotted-quad syntax (date is exact, month lengths and leap years included, so a generated
/// date always validates; time accepts second 60 at any minute, which RFC 3339 allows only at 23:59 UTC); email, uri, ipv6 and
/// hostname are deliberately loose shapes (over-approximations: they never reject a valid value, but let some invalid ones
/// through). Other formats are not enforced.
/// </summary>
public static class StringFormats
{
    // Leap years: the last two digits a non-zero multiple of 4, or a century whose first two digits are a multiple of 4.
    private const string LeapYear = @"(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
    private const string Date = @"(\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))|"
        + LeapYear + "-02-29)";
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
