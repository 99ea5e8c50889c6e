using System.Globalization;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>
/// Checks for the <c>format</c> values the spec defines, used only when format is asserted. Each follows the
/// RFC the spec cites (3339 dates/times and durations, 5321/5322 email, 1123 hostnames, 2673/4291 IP addresses,
/// 3986/3987 URIs, 4122 UUIDs, 6901 JSON Pointers, 5890-5893 IDNA via <see cref="IdnHostname"/>). date, time,
/// date-time, uuid, ipv4, ipv6, hostname, email, uri and uri-reference define the same languages as the compiler's
/// format regexes (<c>Compilation/StringFormats</c>), which only over-approximate where its README says (a hostname's
/// total length and A-label validity, a leap second's offset minutes); <c>JsonSchemaFormatTests</c> checks both.
/// </summary>
internal static class FormatCheckers
{
    public static Func<string, bool>? Get(string format) => format switch
    {
        "date" => IsDate,
        "time" => IsTime,
        "date-time" => IsDateTime,
        "duration" => IsDuration,
        "email" => s => IsEmail(s, false),
        "idn-email" => s => IsEmail(s, true),
        "hostname" => IsHostname,
        "idn-hostname" => IdnHostname.IsValid,
        "ipv4" => IsIPv4,
        "ipv6" => IsIPv6,
        "uri" => s => UriSyntax.IsUri(s, requireScheme: true, allowUnicode: false),
        "uri-reference" => s => UriSyntax.IsUri(s, requireScheme: false, allowUnicode: false),
        "iri" => s => UriSyntax.IsUri(s, requireScheme: true, allowUnicode: true),
        "iri-reference" => s => UriSyntax.IsUri(s, requireScheme: false, allowUnicode: true),
        "uri-template" => IsUriTemplate,
        "uuid" => IsUuid,
        "regex" => IsRegex,
        "json-pointer" => IsJsonPointer,
        "relative-json-pointer" => IsRelativeJsonPointer,
        _ => null,
    };

    private static bool IsDigits(string s, int start, int count)
    {
        if (start + count > s.Length) return false;
        for (int i = start; i < start + count; i++)
            if (s[i] is < '0' or > '9') return false;
        return true;
    }

    private static int Num(string s, int start, int count) => int.Parse(s.AsSpan(start, count), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>full-date: YYYY-MM-DD with the day valid for that month (leap years included).</summary>
    public static bool IsDate(string s)
    {
        if (s.Length != 10 || s[4] != '-' || s[7] != '-' || !IsDigits(s, 0, 4) || !IsDigits(s, 5, 2) || !IsDigits(s, 8, 2)) return false;
        int y = Num(s, 0, 4), m = Num(s, 5, 2), d = Num(s, 8, 2);
        if (m is < 1 or > 12 || d < 1) return false;
        // Proleptic Gregorian, year 0000 included (a leap year, as the grammar's date regex has it).
        bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        return d <= (m == 2 ? (leap ? 29 : 28) : m is 4 or 6 or 9 or 11 ? 30 : 31);
    }

    /// <summary>full-time: HH:MM:SS[.frac](Z|±HH:MM); a leap second only at 23:59:60 UTC.</summary>
    public static bool IsTime(string s)
    {
        if (s.Length < 9 || s[2] != ':' || s[5] != ':' || !IsDigits(s, 0, 2) || !IsDigits(s, 3, 2) || !IsDigits(s, 6, 2)) return false;
        int h = Num(s, 0, 2), mi = Num(s, 3, 2), sec = Num(s, 6, 2);
        if (h > 23 || mi > 59 || sec > 60) return false;
        int i = 8;
        if (i < s.Length && s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && s[i] is >= '0' and <= '9') i++;
            if (i == start) return false;
        }
        if (i >= s.Length) return false;
        int offsetMinutes;
        if (s[i] is 'Z' or 'z')
        {
            offsetMinutes = 0;
            i++;
        }
        else if (s[i] is '+' or '-')
        {
            if (s.Length - i != 6 || s[i + 3] != ':' || !IsDigits(s, i + 1, 2) || !IsDigits(s, i + 4, 2)) return false;
            int oh = Num(s, i + 1, 2), om = Num(s, i + 4, 2);
            if (oh > 23 || om > 59) return false;
            offsetMinutes = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
            i += 6;
        }
        else return false;
        if (i != s.Length) return false;
        if (sec == 60)
        {
            int utc = ((h * 60 + mi - offsetMinutes) % 1440 + 1440) % 1440;
            if (utc != 23 * 60 + 59) return false;
        }
        return true;
    }

    public static bool IsDateTime(string s)
    {
        int t = s.IndexOfAny(['T', 't']);
        return t == 10 && IsDate(s[..10]) && IsTime(s[11..]);
    }

    /// <summary>RFC 3339 Appendix A duration: P followed by date parts (Y, M, D in order) and/or T time parts
    /// (H, M, S in order), or weeks alone; at least one part, no empty T.</summary>
    public static bool IsDuration(string s)
    {
        if (s.Length < 2 || s[0] != 'P') return false;
        int i = 1;
        if (TryUnit(s, ref i, out char u0) && u0 == 'W') return i == s.Length;
        i = 1;
        string dateUnits = "YMD", timeUnits = "HMS";
        int order = 0, parts = 0;
        while (i < s.Length && s[i] != 'T')
        {
            if (!TryUnit(s, ref i, out char u)) return false;
            int k = dateUnits.IndexOf(u, order);
            // ABNF: dur-year = "Y" [dur-month], dur-month = "M" [dur-day]: units after the first cannot skip one.
            if (k < 0 || (parts > 0 && k != order)) return false;
            order = k + 1;
            parts++;
        }
        if (i < s.Length)
        {
            i++; // 'T'
            if (i == s.Length) return false;
            order = 0;
            int timeParts = 0;
            while (i < s.Length)
            {
                if (!TryUnit(s, ref i, out char u)) return false;
                int k = timeUnits.IndexOf(u, order);
                if (k < 0 || (timeParts++ > 0 && k != order)) return false;
                order = k + 1;
                parts++;
            }
        }
        return parts > 0;
    }

    private static bool TryUnit(string s, ref int i, out char unit)
    {
        unit = '\0';
        int start = i;
        while (i < s.Length && s[i] is >= '0' and <= '9') i++;
        if (i == start || i >= s.Length) return false;
        unit = s[i++];
        return true;
    }

    public static bool IsIPv4(string s)
    {
        var parts = s.Split('.');
        if (parts.Length != 4) return false;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !IsDigits(p, 0, p.Length)) return false;
            if (p.Length > 1 && p[0] == '0') return false; // leading zeros are ambiguous (octal in some parsers)
            if (Num(p, 0, p.Length) > 255) return false;
        }
        return true;
    }

    public static bool IsIPv6(string s)
    {
        if (s.Length == 0) return false;
        int doubleColon = s.IndexOf("::", StringComparison.Ordinal);
        if (doubleColon >= 0 && s.IndexOf("::", doubleColon + 1, StringComparison.Ordinal) >= 0) return false;
        int groups = 0;
        string[] halves = doubleColon >= 0 ? [s[..doubleColon], s[(doubleColon + 2)..]] : [s];
        for (int h = 0; h < halves.Length; h++)
        {
            if (halves[h].Length == 0) continue;
            var parts = halves[h].Split(':');
            for (int i = 0; i < parts.Length; i++)
            {
                string p = parts[i];
                bool last = h == halves.Length - 1 && i == parts.Length - 1;
                if (last && p.Contains('.'))
                {
                    if (!IsIPv4(p)) return false;
                    groups += 2;
                    continue;
                }
                if (p.Length is 0 or > 4) return false;
                foreach (char c in p)
                    if (!char.IsAsciiHexDigit(c)) return false;
                groups++;
            }
        }
        return doubleColon >= 0 ? groups < 8 : groups == 8;
    }

    /// <summary>RFC 1123 hostname: dot-separated labels of letters, digits and inner hyphens, each ≤ 63, total ≤ 253.
    /// "xn--" labels must not have hyphens in positions 3–4 otherwise (RFC 5891 §4.2.3.1).</summary>
    public static bool IsHostname(string s)
    {
        if (s.Length is 0 or > 253) return false;
        foreach (var label in s.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
            if (label.Length >= 4 && label[2] == '-' && label[3] == '-')
            {
                // Only "xn--" may use hyphens in positions 3-4, and then it must be a valid A-label.
                if (!label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) || !IdnHostname.TryLabel(label, out _, out _)) return false;
            }
        }
        return true;
    }

    /// <summary>RFC 5321 Mailbox: dot-atom or quoted local part, "@", then a hostname or an IPv4 / IPv6 address
    /// literal (IPv6 is the only registered tag; ABNF literals are case-insensitive). International (RFC 6531) also
    /// allows non-ASCII in atoms and quoted text, and IDN domains. The 64-octet local-part limit (a size limit, not
    /// part of the Mailbox grammar) is not checked, nor by the compiler's regex.</summary>
    public static bool IsEmail(string s, bool international)
    {
        int at = s.LastIndexOf('@');
        if (at <= 0 || at == s.Length - 1) return false;
        string local = s[..at], domain = s[(at + 1)..];
        if (local[0] == '"')
        {
            if (!IsQuotedLocalPart(local, international)) return false;
        }
        else
        {
            if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)) return false;
            foreach (char c in local)
            {
                if (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c)) continue;
                if (international && c > 127) continue;
                return false;
            }
        }
        if (domain[0] == '[' && domain[^1] == ']')
        {
            string lit = domain[1..^1];
            return lit.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? IsIPv6(lit[5..]) : IsIPv4(lit);
        }
        if (international)
        {
            foreach (var label in domain.Split('.'))
                if (label.Length == 0 || label[0] == '-' || label[^1] == '-') return false;
            return true;
        }
        return IsHostname(domain);
    }

    /// <summary>RFC 5321 Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, where qtext is printable ASCII
    /// but DQUOTE and backslash, and a quoted pair is a backslash before printable ASCII (or space).</summary>
    private static bool IsQuotedLocalPart(string local, bool international)
    {
        if (local.Length < 2 || local[^1] != '"') return false;
        int end = local.Length - 1;
        for (int i = 1; i < end; i++)
        {
            char c = local[i];
            if (c == '\\')
            {
                // The closing quote cannot be the escaped character.
                if (++i >= end || local[i] is < ' ' or > '~') return false;
                continue;
            }
            if (c is >= ' ' and <= '~' && c != '"') continue;
            if (international && c > 127) continue;
            return false;
        }
        return true;
    }

    public static bool IsUuid(string s)
    {
        if (s.Length != 36) return false;
        for (int i = 0; i < 36; i++)
        {
            bool dash = i is 8 or 13 or 18 or 23;
            if (dash ? s[i] != '-' : !char.IsAsciiHexDigit(s[i])) return false;
        }
        return true;
    }

    public static bool IsRegex(string s) => EcmaRegex.IsValid(s);

    public static bool IsJsonPointer(string s)
    {
        if (s.Length == 0) return true;
        if (s[0] != '/') return false;
        for (int i = 0; i < s.Length; i++)
            if (s[i] == '~' && (i + 1 >= s.Length || s[i + 1] is not ('0' or '1'))) return false;
        return true;
    }

    public static bool IsRelativeJsonPointer(string s)
    {
        int i = 0;
        while (i < s.Length && s[i] is >= '0' and <= '9') i++;
        if (i == 0 || (i > 1 && s[0] == '0')) return false;
        string rest = s[i..];
        return rest == "#" || IsJsonPointer(rest);
    }

    /// <summary>RFC 6570 level 4: literals (no controls, space, double quote, angle brackets...), and expressions
    /// "{" [operator] varspec *("," varspec) "}" where varspec = varname [":" 1-4 digits (no leading 0) / "*"].</summary>
    public static bool IsUriTemplate(string s)
    {
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c != '{')
            {
                if (c is '}' or ' ' or '"' or '<' or '>' or '\\' or '^' or '`' or '|' or '\x7f' || c < 0x20) return false;
                if (c == '%' && (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))) return false;
                i++;
                continue;
            }
            int close = s.IndexOf('}', i + 1);
            if (close < 0) return false;
            string expr = s[(i + 1)..close];
            if (expr.Length > 0 && "+#./;?&=,!@|".Contains(expr[0])) expr = expr[1..];
            foreach (var varspec in expr.Split(','))
                if (!IsVarspec(varspec)) return false;
            i = close + 1;
        }
        return true;
    }

    private static bool IsVarspec(string v)
    {
        string name = v;
        int colon = v.IndexOf(':');
        if (colon >= 0)
        {
            string max = v[(colon + 1)..];
            if (max.Length is 0 or > 4 || max[0] == '0' || !IsDigits(max, 0, max.Length)) return false;
            name = v[..colon];
        }
        else if (v.EndsWith('*')) name = v[..^1];
        if (name.Length == 0 || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal)) return false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.') continue;
            if (c == '%' && i + 2 < name.Length && char.IsAsciiHexDigit(name[i + 1]) && char.IsAsciiHexDigit(name[i + 2])) { i += 2; continue; }
            return false;
        }
        return true;
    }
}
