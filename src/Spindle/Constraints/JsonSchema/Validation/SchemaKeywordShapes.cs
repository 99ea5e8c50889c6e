namespace Spindle.Constraints.JsonSchema.Validation;

internal enum SchemaKeywordShape { None, Single, Array, Map }

/// <summary>Which keywords hold subschemas and how: the indexer follows only these, per draft.</summary>
internal static class SchemaKeywordShapes
{
    public static SchemaKeywordShape Of(string keyword, SchemaDraft draft) => keyword switch
    {
        "additionalProperties" or "propertyNames" or "contains" or "not" or "if" or "then" or "else" => SchemaKeywordShape.Single,
        "additionalItems" => SchemaKeywordShape.Single,
        "unevaluatedProperties" or "unevaluatedItems" or "contentSchema" => draft.IsLegacy() ? SchemaKeywordShape.None : SchemaKeywordShape.Single,
        // Array also accepts a single schema; 2020-12 tolerates the old tuple form (see SchemaCompiler.AddArray).
        "items" => SchemaKeywordShape.Array,
        "prefixItems" => draft == SchemaDraft.Draft202012 ? SchemaKeywordShape.Array : SchemaKeywordShape.None,
        "allOf" or "anyOf" or "oneOf" => SchemaKeywordShape.Array,
        "properties" or "patternProperties" or "definitions" => SchemaKeywordShape.Map,
        "$defs" or "dependentSchemas" => draft.IsLegacy() ? (keyword == "$defs" ? SchemaKeywordShape.Map : SchemaKeywordShape.None) : SchemaKeywordShape.Map,
        "dependencies" => SchemaKeywordShape.Map, // every draft, for mixed-dialect schemas; array values are skipped
        _ => SchemaKeywordShape.None,
    };
}
