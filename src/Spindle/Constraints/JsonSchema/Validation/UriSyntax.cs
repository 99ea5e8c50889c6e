namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>RFC 3986 (and 3987 for IRIs) syntax check: scheme, authority (userinfo, host incl. bracketed IPv6,
/// numeric port), path, query, fragment, each limited to its allowed characters with well-formed %-escapes.</summary>
internal static class UriSyntax
{
    private const string SubDelims = "!$&'()*+,;=";

    public static bool IsUri(string s, bool requireScheme, bool allowUnicode)
    {
        int i = 0;
        int colon = s.IndexOf(':');
        int firstDelimiter = s.IndexOfAny(['/', '?', '#']);
        bool hasScheme = colon > 0 && (firstDelimiter < 0 || colon < firstDelimiter);
        if (hasScheme)
        {
            if (!char.IsAsciiLetter(s[0])) hasScheme = false;
            for (int k = 1; hasScheme && k < colon; k++)
                if (!(char.IsAsciiLetterOrDigit(s[k]) || s[k] is '+' or '-' or '.')) hasScheme = false;
            if (!hasScheme && requireScheme) return false;
        }
        if (requireScheme && !hasScheme) return false;
        if (hasScheme) i = colon + 1;
        // A relative reference's first segment may not contain ':' (it would read as a scheme).
        else if (colon >= 0 && (firstDelimiter < 0 || colon < firstDelimiter)) return false;

        if (s.AsSpan(i).StartsWith("//"))
        {
            i += 2;
            int end = i;
            while (end < s.Length && s[end] is not ('/' or '?' or '#')) end++;
            if (!IsAuthority(s[i..end], allowUnicode)) return false;
            i = end;
        }
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '#')
            {
                for (int k = i + 1; k < s.Length; k++)
                    if (!IsPathChar(s, ref k, allowUnicode, extra: "/?")) return false;
                return true;
            }
            if (c is '/' or '?') continue;
            if (!IsPathChar(s, ref i, allowUnicode, extra: "?/")) return false;
        }
        return true;
    }

    private static bool IsAuthority(string a, bool allowUnicode)
    {
        int at = a.LastIndexOf('@');
        if (at >= 0)
        {
            string user = a[..at];
            for (int k = 0; k < user.Length; k++)
                if (!IsPathChar(user, ref k, allowUnicode, extra: "", allowAt: false)) return false;
            a = a[(at + 1)..];
        }
        string host;
        string? port = null;
        if (a.StartsWith('['))
        {
            int close = a.IndexOf(']');
            if (close < 0 || !(FormatCheckers.IsIPv6(a[1..close]) || IsIPvFuture(a[1..close]))) return false;
            host = a[..(close + 1)];
            if (close + 1 < a.Length)
            {
                if (a[close + 1] != ':') return false;
                port = a[(close + 2)..];
            }
        }
        else
        {
            int c = a.IndexOf(':');
            host = c >= 0 ? a[..c] : a;
            if (c >= 0) port = a[(c + 1)..];
            for (int k = 0; k < host.Length; k++)
                if (!IsPathChar(host, ref k, allowUnicode, extra: "", allowColon: false, allowAt: false)) return false;
        }
        if (port != null)
            foreach (char ch in port)
                if (!char.IsAsciiDigit(ch)) return false;
        return true;
    }

    /// <summary>IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).</summary>
    private static bool IsIPvFuture(string h)
    {
        if (h.Length < 4 || h[0] is not ('v' or 'V')) return false;
        int dot = h.IndexOf('.');
        if (dot < 2 || dot == h.Length - 1) return false;
        for (int k = 1; k < dot; k++)
            if (!char.IsAsciiHexDigit(h[k])) return false;
        for (int k = dot + 1; k < h.Length; k++)
        {
            char c = h[k];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':' || SubDelims.Contains(c))) return false;
        }
        return true;
    }

    /// <summary>pchar (unreserved / pct-encoded / sub-delims / ":" / "@") plus <paramref name="extra"/>;
    /// advances <paramref name="i"/> over a %-escape.</summary>
    private static bool IsPathChar(string s, ref int i, bool allowUnicode, string extra, bool allowColon = true, bool allowAt = true)
    {
        char c = s[i];
        if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~') return true;
        if (SubDelims.Contains(c) || extra.Contains(c)) return true;
        if (c == ':') return allowColon;
        if (c == '@') return allowAt;
        if (c == '%')
        {
            if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2])) return false;
            i += 2;
            return true;
        }
        return allowUnicode && c > 127;
    }
}
