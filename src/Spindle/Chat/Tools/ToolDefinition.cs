using System.Text.Json.Nodes;

namespace Spindle.Chat.Tools;

/// <summary>
/// A function the model may call: its name, what it does, and the JSON Schema of its arguments object
/// (<paramref name="Parameters"/> null: any object). The OpenAI request shape is
/// <c>{"type":"function","function":{"name","description","parameters"}}</c> (<see cref="FromJson"/>, <see cref="ToJson"/>).
/// </summary>
public sealed record ToolDefinition(string Name, string? Description, JsonObject? Parameters)
{
    /// <summary>The OpenAI tool object chat templates read as an entry of <c>tools</c>.</summary>
    public JsonObject ToJson()
    {
        var function = new JsonObject { ["name"] = Name };
        if (Description is not null) function["description"] = Description;
        function["parameters"] = Parameters?.DeepClone() ?? new JsonObject { ["type"] = "object" };
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    /// <summary>
    /// Reads an OpenAI tool object (<c>{"type":"function","function":{...}}</c>) or the bare function object
    /// (<c>{"name","description","parameters"}</c>).
    /// </summary>
    /// <exception cref="FormatException">not of that shape: no string name, a non-function type, parameters not an object.</exception>
    public static ToolDefinition FromJson(JsonObject tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var function = tool;
        if (tool["function"] is JsonNode inner)
        {
            if (tool["type"] is JsonValue t && (!t.TryGetValue(out string? type) || type != "function"))
                throw new FormatException($"tool type '{t.ToJsonString()}' is not supported; only 'function' is");
            function = inner as JsonObject ?? throw new FormatException("tool 'function' is not an object");
        }
        string name = function["name"] is JsonValue n && n.TryGetValue(out string? s) ? s : throw new FormatException("tool function has no string 'name'");
        string? description = function["description"] is JsonValue d && d.TryGetValue(out string? ds) ? ds : null;
        var parameters = function["parameters"] switch
        {
            null => null,
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new FormatException($"tool '{name}': 'parameters' is not a JSON Schema object"),
        };
        return new ToolDefinition(name, description, parameters);
    }
}
