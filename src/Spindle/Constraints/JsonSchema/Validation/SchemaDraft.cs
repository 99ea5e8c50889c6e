namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>JSON Schema dialects the validator understands. Drafts 4 and 6 are evaluated with draft-7 rules
/// (plus draft 4's boolean exclusiveMaximum/Minimum and <c>id</c>); 2019-09 with 2020-12 rules except that the
/// array form of <c>items</c> is a tuple and <c>$recursiveRef</c> replaces <c>$dynamicRef</c>.</summary>
public enum SchemaDraft
{
    Draft4 = 4,
    Draft6 = 6,
    Draft7 = 7,
    Draft201909 = 2019,
    Draft202012 = 2020,
}

internal static class SchemaDrafts
{
    /// <summary>Maps a <c>$schema</c> URI to its draft; null when the URI is not a known meta-schema.</summary>
    public static SchemaDraft? FromMetaSchemaUri(string uri)
    {
        // Compare without scheme, trailing '#' and trailing slash: schemas in the wild mix http/https and "schema#".
        string u = uri.Trim();
        int hash = u.IndexOf('#');
        if (hash >= 0) u = u[..hash];
        u = u.TrimEnd('/');
        int scheme = u.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) u = u[(scheme + 3)..];
        return u switch
        {
            "json-schema.org/draft-04/schema" => SchemaDraft.Draft4,
            "json-schema.org/draft-06/schema" => SchemaDraft.Draft6,
            "json-schema.org/draft-07/schema" => SchemaDraft.Draft7,
            "json-schema.org/draft/2019-09/schema" => SchemaDraft.Draft201909,
            "json-schema.org/draft/2020-12/schema" => SchemaDraft.Draft202012,
            _ => null,
        };
    }

    /// <summary>Drafts up to 7: <c>$ref</c> replaces its siblings, <c>definitions</c>, <c>dependencies</c>, no unevaluated*.</summary>
    public static bool IsLegacy(this SchemaDraft draft) => draft <= SchemaDraft.Draft7;
}
