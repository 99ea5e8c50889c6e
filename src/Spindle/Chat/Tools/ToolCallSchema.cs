using System.Text.Json.Nodes;

namespace Spindle.Chat.Tools;

/// <summary>
/// The JSON Schema of the tool-call JSON a <see cref="ToolChoiceMode.Required"/> or <see cref="ToolChoiceMode.Named"/>
/// reply is constrained to: one call is <c>{"name": const, "arguments": that tool's parameters}</c> (anyOf over the
/// tools), several parallel calls an array of at least one of them.
/// <para>
/// The arguments are narrowed as llama.cpp's schema grammars narrow them: an object schema that declares properties but
/// says nothing of others allows no others, and a tool without a parameters schema takes <c>{}</c>. Every output still
/// validates against the tool's own schema; without this a small model invents keys (a free key has no length cap) and
/// never closes the object.
/// </para>
/// </summary>
internal static class ToolCallSchema
{
    public static string Build(IReadOnlyList<ToolDefinition> tools, ToolChoice choice, bool parallel, int? maxCalls = null)
    {
        var defs = new JsonObject();
        JsonObject call;
        if (choice.Mode == ToolChoiceMode.Named)
        {
            int index = IndexOf(tools, choice.FunctionName!);
            call = CallOf(tools[index], index, defs);
        }
        else
        {
            var branches = new JsonArray();
            for (int i = 0; i < tools.Count; i++) branches.Add((JsonNode)CallOf(tools[i], i, defs));
            call = branches.Count == 1 ? (JsonObject)branches[0]!.DeepClone() : new JsonObject { ["anyOf"] = branches };
        }
        var root = call;
        if (parallel && choice.Mode == ToolChoiceMode.Required)
        {
            root = new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = call };
            if (maxCalls is int max) root["maxItems"] = max;
        }
        if (defs.Count > 0)
        {
            // The compiler merges an anyOf's sibling keywords into each branch, so an anyOf root moves into $defs
            // beside the tools' schemas and the root refers to it.
            if (root.ContainsKey("anyOf"))
            {
                defs["call"] = root;
                root = new JsonObject { ["$ref"] = "#/$defs/call" };
            }
            root["$defs"] = defs;
        }
        return root.ToJsonString();
    }

    private static int IndexOf(IReadOnlyList<ToolDefinition> tools, string name)
    {
        for (int i = 0; i < tools.Count; i++)
            if (tools[i].Name == name) return i;
        throw new ArgumentException($"no tool is named '{name}'", nameof(name));
    }

    /// <summary>
    /// One tool's call object. A parameters schema with local <c>$ref</c>s (<c>#/$defs/x</c>, <c>#</c>) moves to the
    /// root's <c>$defs</c> as <c>tool{index}</c> and its references are re-rooted there, so they still resolve.
    /// </summary>
    private static JsonObject CallOf(ToolDefinition tool, int index, JsonObject defs)
    {
        JsonNode arguments = tool.Parameters?.DeepClone() ?? new JsonObject { ["type"] = "object", ["additionalProperties"] = false };
        CloseObjects(arguments);
        if (HasLocalRef(arguments))
        {
            string key = $"tool{index}";
            Reroot(arguments, $"#/$defs/{key}");
            defs[key] = arguments;
            arguments = new JsonObject { ["$ref"] = $"#/$defs/{key}" };
        }
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["const"] = tool.Name },
                ["arguments"] = arguments,
            },
            ["required"] = new JsonArray("name", "arguments"),
            ["additionalProperties"] = false,
        };
    }

    private static bool HasLocalRef(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(p => (p.Key == "$ref" && IsLocalRef(p.Value)) || HasLocalRef(p.Value)),
        JsonArray a => a.Any(HasLocalRef),
        _ => false,
    };

    private static bool IsLocalRef(JsonNode? value) => value is JsonValue v && v.TryGetValue(out string? s) && s.StartsWith('#');

    private static void Reroot(JsonNode? node, string prefix)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"] is JsonValue v && v.TryGetValue(out string? s) && s.StartsWith('#')) o["$ref"] = prefix + s[1..];
                foreach (var (_, child) in o) Reroot(child, prefix);
                break;
            case JsonArray a:
                foreach (var child in a) Reroot(child, prefix);
                break;
        }
    }

    /// <summary>Keywords beside which "no other properties" would change what the schema means.</summary>
    private static readonly string[] OpenKeywords =
        ["additionalProperties", "patternProperties", "unevaluatedProperties", "allOf", "anyOf", "oneOf", "$ref", "dependentSchemas", "dependencies", "if"];

    /// <summary>
    /// Adds <c>"additionalProperties": false</c> to every object subschema with <c>properties</c> and none of
    /// <see cref="OpenKeywords"/>, through properties, items, $defs and (below a schema without properties of its own)
    /// anyOf/oneOf branches. allOf parts are left alone: each would forbid the keys the others declare.
    /// </summary>
    private static void CloseObjects(JsonNode? schema)
    {
        if (schema is not JsonObject o) return;
        bool hasProperties = o["properties"] is JsonObject;
        if (hasProperties && !OpenKeywords.Any(o.ContainsKey)) o["additionalProperties"] = false;
        foreach (string map in (string[])["properties", "$defs", "definitions"])
            if (o[map] is JsonObject members)
                foreach (var (_, member) in members) CloseObjects(member);
        if (o["items"] is JsonArray tuple) foreach (var item in tuple) CloseObjects(item);
        else CloseObjects(o["items"]);
        if (o["prefixItems"] is JsonArray prefix) foreach (var item in prefix) CloseObjects(item);
        if (!hasProperties)
            foreach (string combinator in (string[])["anyOf", "oneOf"])
                if (o[combinator] is JsonArray branches)
                    foreach (var branch in branches) CloseObjects(branch);
    }
}
