using System.Text;
using System.Text.RegularExpressions;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>RFC 3986 reference resolution for $id/$ref, plus JSON Pointer fragments (RFC 6901) in canonical form,
/// so the same location always produces the same dictionary key.</summary>
internal static partial class UriReferences
{
    /// <summary>Base for a root schema that has no $id; hierarchical so relative $refs still resolve.</summary>
    public const string DefaultBase = "https://spindle.invalid/root.json";

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex SchemePrefix();

    /// <summary>Resolves <paramref name="reference"/> against <paramref name="baseUri"/> (absolute, no fragment).
    /// Returns the absolute URI without fragment and the raw fragment (null when the reference has none).</summary>
    public static (string Uri, string? Fragment) Resolve(string baseUri, string reference)
    {
        string? fragment = null;
        int hash = reference.IndexOf('#');
        if (hash >= 0)
        {
            fragment = reference[(hash + 1)..];
            reference = reference[..hash];
        }
        if (reference.Length == 0) return (baseUri, fragment);
        if (SchemePrefix().IsMatch(reference)) return (Normalize(reference), fragment);
        // Non-hierarchical bases (urn:...) cannot anchor a relative path; only fragments resolve against them.
        if (!Uri.TryCreate(baseUri, UriKind.Absolute, out var b) || b.IsUnc || !(baseUri.Contains("://") || baseUri.StartsWith("file:", StringComparison.Ordinal)))
            throw new JsonSchemaException($"cannot resolve relative reference '{reference}' against non-hierarchical base '{baseUri}'");
        if (!Uri.TryCreate(b, reference, out var resolved))
            throw new JsonSchemaException($"invalid URI reference '{reference}' (base '{baseUri}')");
        return (StripFragment(resolved.AbsoluteUri), fragment);
    }

    /// <summary>Canonical form of an absolute URI without its fragment.</summary>
    public static string Normalize(string absolute)
    {
        int hash = absolute.IndexOf('#');
        if (hash >= 0) absolute = absolute[..hash];
        if (absolute.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(absolute, UriKind.Absolute, out var u))
            return StripFragment(u.AbsoluteUri);
        return absolute;
    }

    private static string StripFragment(string s)
    {
        int hash = s.IndexOf('#');
        return hash >= 0 ? s[..hash] : s;
    }

    /// <summary>Splits a URI fragment holding a JSON Pointer ("/a~1b/%25") into unescaped reference tokens.</summary>
    public static List<string> ParsePointerFragment(string fragment)
    {
        string decoded = Uri.UnescapeDataString(fragment);
        var tokens = new List<string>();
        if (decoded.Length == 0) return tokens;
        if (decoded[0] != '/') throw new JsonSchemaException($"JSON Pointer '{decoded}' must start with '/'");
        foreach (var raw in decoded[1..].Split('/'))
            tokens.Add(raw.Replace("~1", "/").Replace("~0", "~"));
        return tokens;
    }

    public static string EscapeToken(string token) => token.Replace("~", "~0").Replace("/", "~1");

    public static string Append(string pointer, string token) => pointer + "/" + EscapeToken(token);

    public static string Append(string pointer, int index) => pointer + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string JoinPointer(string prefix, List<string> tokens)
    {
        var sb = new StringBuilder(prefix);
        foreach (var t in tokens) sb.Append('/').Append(EscapeToken(t));
        return sb.ToString();
    }
}
