namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// RFC 3986 URI and URI-reference as regex sources, component by component: scheme, authority (userinfo, bracketed
/// IPv6 or IPvFuture, reg-name, digits-only port), path (no "//" start without an authority; a relative path's first
/// segment without ':'), query and fragment, each from its own character set with %-escapes of exactly two hex digits.
/// An IPv4 host is a reg-name too, so it needs no branch of its own.
/// </summary>
internal static class UriRegex
{
    private const string Pct = "%[0-9A-Fa-f]{2}";
    private const string PcharNoColon = "([A-Za-z0-9._~!$&'()*+,;=@-]|" + Pct + ")";
    private const string Pchar = "([A-Za-z0-9._~!$&'()*+,;=:@-]|" + Pct + ")";
    private const string QueryChar = "([A-Za-z0-9._~!$&'()*+,;=:@/?-]|" + Pct + ")";
    private const string UserInfo = "([A-Za-z0-9._~!$&'()*+,;=:-]|" + Pct + ")*";
    private const string RegName = "([A-Za-z0-9._~!$&'()*+,;=-]|" + Pct + ")*";
    private const string IPvFuture = @"[vV][0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+";
    private const string Authority = "(" + UserInfo + @"@)?(\[(" + HostRegexes.IPv6 + "|" + IPvFuture + @")\]|" + RegName + @")(:\d*)?";

    // After an authority: path-abempty then an optional query, which together are any query characters starting with '/' or '?'.
    private const string AfterAuthority = "//" + Authority + "([/?]" + QueryChar + "*)?";
    private const string Fragment = "(#" + QueryChar + "*)?";

    private const string Scheme = "[A-Za-z][A-Za-z0-9+.-]*:";
    private const string PathAfterScheme = @"/?((" + Pchar + @"|\?)" + QueryChar + "*)?";

    /// <summary>scheme ":" hier-part ["?" query] ["#" fragment].</summary>
    public const string Uri = Scheme + "(" + AfterAuthority + "|" + PathAfterScheme + ")" + Fragment;

    /// <summary>URI / relative-ref; a relative path without authority is path-absolute, path-noscheme or empty. The
    /// authority (with its IPv6 branch) is written once for both.</summary>
    public const string UriReference = "((" + Scheme + ")?" + AfterAuthority + "|" + Scheme + PathAfterScheme
        + "|(/((" + Pchar + @"|\?)" + QueryChar + "*)?|" + PcharNoColon + "+([/?]" + QueryChar + @"*)?|\?" + QueryChar + "*)?)" + Fragment;
}
