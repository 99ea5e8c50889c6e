using System.Collections.Frozen;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Regexes (over decoded characters) for the string formats the compiler enforces, each the same language as the
/// validator's check (<c>Validation/FormatCheckers</c>) except where noted: date (month lengths, leap years), time and
/// date-time (RFC 3339, leap second only at 23:59 UTC, see <see cref="TimeOfDayRegex"/>), uuid, ipv4, ipv6 (RFC 4291),
/// hostname and email (RFC 1123 / RFC 5321, see <see cref="HostRegexes"/>), uri and uri-reference (RFC 3986, see
/// <see cref="UriRegex"/>). Over-approximations left: a hostname's total length (≤ 253) and the Punycode/IDNA validity
/// of "xn--" labels are not checked. Other formats are not enforced.
/// </summary>
public static class StringFormats
{
    // Leap years: the last two digits a non-zero multiple of 4, or a century whose first two digits are a multiple of 4.
    private const string LeapYear = @"(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
    internal const string Date = @"(\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))|"
        + LeapYear + "-02-29)";

    // Parsed and JSON-encoded once: the time, email and uri regexes have thousands of nodes, and encoding them and
    // hashing their keys on every compile cost ~2 ms a schema; RegexNode trees are immutable, so grammars share them.
    private static readonly FrozenDictionary<string, Lazy<(RegexNode Decoded, RegexNode Quoted)>> Patterns =
        new Dictionary<string, Lazy<(RegexNode Decoded, RegexNode Quoted)>>(StringComparer.Ordinal)
    {
        ["date"] = Parsed(Date),
        ["time"] = Parsed(TimeOfDayRegex.Pattern),
        ["date-time"] = Parsed(Date + "[Tt]" + TimeOfDayRegex.Pattern),
        ["uuid"] = Parsed(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        ["ipv4"] = Parsed(HostRegexes.IPv4),
        ["ipv6"] = Parsed(HostRegexes.IPv6),
        ["hostname"] = Parsed(HostRegexes.Hostname),
        ["email"] = Parsed(HostRegexes.Email),
        ["uri"] = Parsed(UriRegex.Uri),
        ["uri-reference"] = Parsed(UriRegex.UriReference),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static Lazy<(RegexNode, RegexNode)> Parsed(string pattern) => new(() =>
    {
        var decoded = RegexParser.Parse(pattern);
        var quoted = JsonStringRegex.Quoted(decoded);
        _ = quoted.Key; // computed once here rather than by the first grammar builder that dedups lexemes
        return (decoded, quoted);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The decoded-character regex for <paramref name="format"/>, or null when the format is not enforced.</summary>
    public static RegexNode? For(string format) => Patterns.TryGetValue(format, out var p) ? p.Value.Decoded : null;

    /// <summary>The quoted JSON string lexeme (<see cref="JsonStringRegex.Quoted"/>) for <paramref name="format"/>, or null.</summary>
    public static RegexNode? QuotedFor(string format) => Patterns.TryGetValue(format, out var p) ? p.Value.Quoted : null;
}
