using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Merges two subschemas into one that every instance valid under both satisfies (allOf, and the siblings of anyOf/oneOf
/// distributed into each branch). Simple keywords combine exactly (type ∩, required ∪, tighter bounds, enum ∩,
/// properties merged per name); keywords that differ and cannot be combined raise a compile error naming allOf.
/// Where the merge is looser than the conjunction (e.g. additionalProperties of one side does not see the other's
/// properties) it only ever accepts more.
/// </summary>
internal static class SchemaMerger
{
    private static readonly HashSet<string> Lower = new(StringComparer.Ordinal)
        { "minimum", "minLength", "minItems", "minProperties", "minContains" };
    private static readonly HashSet<string> Upper = new(StringComparer.Ordinal)
        { "maximum", "maxLength", "maxItems", "maxProperties", "maxContains" };
    /// <summary>Keywords the compiler does not enforce: merging keeps either value (an over-approximation anyway).</summary>
    private static readonly HashSet<string> NotEnforced = new(StringComparer.Ordinal)
    {
        "not", "if", "then", "else", "contains", "minContains", "maxContains", "propertyNames",
        "dependencies", "dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
    };

    private static readonly HashSet<string> SchemaMaps = new(StringComparer.Ordinal)
        { "properties", "patternProperties", "$defs", "definitions" };
    private static readonly HashSet<string> SubSchemas = new(StringComparer.Ordinal)
        { "additionalProperties", "additionalItems", "propertyNames", "contains", "unevaluatedProperties", "unevaluatedItems" };

    public static JsonElement Merge(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.True) return b;
        if (b.ValueKind == JsonValueKind.True) return a;
        if (a.ValueKind == JsonValueKind.False || b.ValueKind == JsonValueKind.False) return FalseSchema;
        if (a.ValueKind != JsonValueKind.Object || b.ValueKind != JsonValueKind.Object)
            throw new JsonSchemaCompileException("allOf", "subschema is not an object");
        var result = (JsonObject)JsonNode.Parse(a.GetRawText(), null, Deep)!;
        foreach (var p in b.EnumerateObject())
        {
            string k = p.Name;
            if (!result.TryGetPropertyValue(k, out var existing) || existing is null)
            {
                result[k] = JsonNode.Parse(p.Value.GetRawText(), null, Deep);
                continue;
            }
            var left = ToElement(existing);
            var right = p.Value;
            if (JsonElement.DeepEquals(left, right)) continue;
            if (JsonSchemaCompiler.IsAnnotation(k) || NotEnforced.Contains(k)) continue; // either side will do
            if (k is "anyOf" or "oneOf")
            {
                // Both compile as anyOf: park the second list under the other name, and the compiler distributes
                // one over the other's branches.
                string other = k == "anyOf" ? "oneOf" : "anyOf";
                if (result.ContainsKey(other)) throw new JsonSchemaCompileException("allOf", "cannot merge three anyOf/oneOf lists");
                result[other] = Node(right);
                continue;
            }
            JsonNode? merged = k switch
            {
                "type" => MergeType(left, right),
                "required" => Union(left, right),
                "enum" => Intersect(left, right),
                "uniqueItems" => JsonValue.Create(left.ValueKind == JsonValueKind.True || right.ValueKind == JsonValueKind.True),
                "items" when left.ValueKind != JsonValueKind.Array && right.ValueKind != JsonValueKind.Array => Node(Merge(left, right)),
                _ when SchemaMaps.Contains(k) => MergeMap(left, right),
                _ when SubSchemas.Contains(k) => Node(Merge(left, right)),
                _ when Lower.Contains(k) && Both(left, right) => Node(left.GetDouble() >= right.GetDouble() ? left : right),
                _ when Upper.Contains(k) && Both(left, right) => Node(left.GetDouble() <= right.GetDouble() ? left : right),
                "exclusiveMinimum" when Both(left, right) => Node(left.GetDouble() >= right.GetDouble() ? left : right),
                "exclusiveMaximum" when Both(left, right) => Node(left.GetDouble() <= right.GetDouble() ? left : right),
                _ => throw new JsonSchemaCompileException("allOf", $"cannot merge two different '{k}'"),
            };
            if (merged is JsonValue v && v.GetValueKind() == JsonValueKind.False && k == "type") return FalseSchema;
            result[k] = merged;
        }
        return ToElement(result);
    }

    /// <summary>
    /// Re-parsing subschemas allows the schema document's own depth (System.Text.Json stops at 64 by default, which a
    /// schema nested within <see cref="FrontEnds.JsonSchemaGrammar.MaxJsonDepth"/> may exceed).
    /// </summary>
    internal static readonly JsonDocumentOptions Deep = new() { MaxDepth = 4096 };

    internal static JsonElement ToElement(JsonNode node)
    {
        using var doc = JsonDocument.Parse(node.ToJsonString(), Deep);
        return doc.RootElement.Clone();
    }

    private static readonly JsonElement FalseSchema = JsonDocument.Parse("false").RootElement.Clone();

    private static bool Both(JsonElement a, JsonElement b) => a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number;

    private static JsonNode? Node(JsonElement e) => JsonNode.Parse(e.GetRawText(), null, Deep);

    private static JsonNode MergeType(JsonElement a, JsonElement b)
    {
        var left = JsonSchemaCompiler.TypesOf(a);
        var right = JsonSchemaCompiler.TypesOf(b);
        var both = new JsonArray();
        foreach (var t in JsonSchemaCompiler.AllTypes)
        {
            bool inLeft = left.Contains(t) || (t == "integer" && left.Contains("number"));
            bool inRight = right.Contains(t) || (t == "integer" && right.Contains("number"));
            if (inLeft && inRight && !(t == "integer" && left.Contains("number") && right.Contains("number"))) both.Add((JsonNode?)JsonValue.Create(t));
        }
        return both.Count == 0 ? JsonValue.Create(false) : both;
    }

    private static JsonNode Union(JsonElement a, JsonElement b)
    {
        var names = new List<string>();
        foreach (var e in a.EnumerateArray()) if (!names.Contains(e.GetString()!)) names.Add(e.GetString()!);
        foreach (var e in b.EnumerateArray()) if (!names.Contains(e.GetString()!)) names.Add(e.GetString()!);
        var arr = new JsonArray();
        foreach (var n in names) arr.Add((JsonNode?)JsonValue.Create(n));
        return arr;
    }

    private static JsonNode Intersect(JsonElement a, JsonElement b)
    {
        var right = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in b.EnumerateArray()) right.Add(JsonText.Serialize(e));
        var arr = new JsonArray();
        foreach (var e in a.EnumerateArray())
            if (right.Contains(JsonText.Serialize(e))) arr.Add(Node(e));
        return arr;
    }

    private static JsonNode MergeMap(JsonElement a, JsonElement b)
    {
        var result = (JsonObject)JsonNode.Parse(a.GetRawText(), null, Deep)!;
        foreach (var p in b.EnumerateObject())
            result[p.Name] = a.TryGetProperty(p.Name, out var left) ? Node(Merge(left, p.Value)) : Node(p.Value);
        return result;
    }
}
