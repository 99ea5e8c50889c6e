namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Regex sources for addresses and names, written after the RFC ABNF so they accept exactly what the validator's
/// checks accept, with two documented over-approximations for hostnames (and so email domains): the total length
/// (≤ 253) is not counted, since a label-length counter times a total-length counter is about 16k DFA states and far
/// more as a regex; and an "xn--" label is any LDH label there, its Punycode and IDNA validity being beyond a regex.
/// </summary>
internal static class HostRegexes
{
    private const string Octet = @"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)";

    /// <summary>Dotted quad without leading zeros (RFC 3986 dec-octet).</summary>
    public const string IPv4 = Octet + @"\." + Octet + @"\." + Octet + @"\." + Octet;

    private const string H16 = "[0-9A-Fa-f]{1,4}";
    private const string Ls32 = "(" + H16 + ":" + H16 + "|" + IPv4 + ")";

    /// <summary>RFC 4291 §2.2 text forms (RFC 3986 IPv6address): eight groups, "::" at most once standing for at least
    /// one group, an IPv4 tail counting as two; no zone id.</summary>
    public const string IPv6 = "(("
        // The seven forms ending in ls32 share it (an IPv4 tail is the bulk of the automaton).
        + "(" + H16 + ":){6}"
        + "|::(" + H16 + ":){5}"
        + "|(" + H16 + ")?::(" + H16 + ":){4}"
        + "|((" + H16 + ":)?" + H16 + ")?::(" + H16 + ":){3}"
        + "|((" + H16 + ":){0,2}" + H16 + ")?::(" + H16 + ":){2}"
        + "|((" + H16 + ":){0,3}" + H16 + ")?::" + H16 + ":"
        + "|((" + H16 + ":){0,4}" + H16 + ")?::"
        + ")" + Ls32
        + "|((" + H16 + ":){0,5}" + H16 + ")?::" + H16
        + "|((" + H16 + ":){0,6}" + H16 + ")?::"
        + ")";

    private const string Alnum = "[A-Za-z0-9]";
    private const string Ldh = "[A-Za-z0-9-]";
    private const string LabelTail = "(" + Ldh + "{0,58}" + Alnum + ")";

    /// <summary>RFC 1123 label: 1–63 letters, digits and hyphens, no hyphen first or last; hyphens in both the third
    /// and fourth place only after "xn" (an A-label, RFC 5891 §4.2.3.1).</summary>
    private const string Label = "(" + Alnum + "(" + Alnum + "|" + Ldh + Alnum + ")?"
        + "|" + Alnum + Ldh + "(" + Alnum + Alnum + "|-" + Alnum + ")"
        // Longer labels share one tail (the counted part, the bulk of the automaton): places 3-4 not "--", or "xn--".
        + "|(" + Alnum + Ldh + "(" + Alnum + Alnum + "|-" + Alnum + "|" + Alnum + "-)|[xX][nN]--)" + LabelTail + ")";

    /// <summary>Dot-separated labels; no trailing dot (the JSON Schema test suite rejects "example.").</summary>
    public const string Hostname = Label + @"(\." + Label + ")*";

    private const string Atext = @"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";

    /// <summary>RFC 5321 Quoted-string: printable ASCII but quote and backslash, or a backslash before printable ASCII.</summary>
    private const string QuotedLocal = @"""([\x20\x21\x23-\x5B\x5D-\x7E]|\\[\x20-\x7E])*""";

    /// <summary>RFC 5321 Mailbox: dot-atom or quoted local part, "@", a hostname or an IPv4/IPv6 address literal
    /// (the only registered address-literal tag; ABNF literals are case-insensitive).</summary>
    public const string Email = "(" + Atext + @"+(\." + Atext + "+)*|" + QuotedLocal + ")@(" + Hostname
        + @"|\[" + IPv4 + @"\]|\[[Ii][Pp][Vv]6:" + IPv6 + @"\])";
}
