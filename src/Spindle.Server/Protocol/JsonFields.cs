using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spindle.Server.Protocol;

/// <summary>
/// Typed reads of a request body's fields; a field of the wrong type or out of range is a 400 naming it. A field of a
/// nested object passes its dotted path as <c>param</c> (<c>watermark.gamma</c>), which errors name instead.
/// </summary>
internal static class JsonFields
{
    public static string? String(JsonObject body, string name, string? param = null)
    {
        var node = body[name];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        param ??= name;
        throw OpenAIException.Invalid(param, $"'{param}' must be a string", "invalid_type");
    }

    public static bool? Bool(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw OpenAIException.Invalid(name, $"'{name}' must be a boolean", "invalid_type");
    }

    public static double? Number(JsonObject body, string name, double min, double max, string? param = null)
    {
        var node = body[name];
        if (node is null) return null;
        param ??= name;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
            throw OpenAIException.Invalid(param, $"'{param}' must be a number", "invalid_type");
        double value = v.GetValue<double>();
        if (!(value >= min && value <= max))
            throw OpenAIException.Invalid(param, $"'{param}' is {value}; it must be between {min} and {max}");
        return value;
    }

    public static int? Int(JsonObject body, string name, long min, long max, string? param = null)
    {
        var node = body[name];
        if (node is null) return null;
        param ??= name;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out long value))
        {
            if (node is JsonValue d && d.GetValueKind() == JsonValueKind.Number && d.TryGetValue(out double real) && real == Math.Floor(real)
                && real >= long.MinValue && real <= long.MaxValue)
                value = (long)real;
            else
                throw OpenAIException.Invalid(param, $"'{param}' must be an integer", "invalid_type");
        }
        if (value < min || value > max)
            throw OpenAIException.Invalid(param, $"'{param}' is {value}; it must be between {min} and {max}");
        return (int)value;
    }

    public static long Int64(JsonObject body, string name)
    {
        if (body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long value)) return value;
        throw OpenAIException.Invalid(name, $"'{name}' must be an integer", "invalid_type");
    }

    public static JsonObject? Object(JsonObject body, string name)
    {
        var node = body[name];
        return node switch
        {
            null => null,
            JsonObject o => o,
            _ => throw OpenAIException.Invalid(name, $"'{name}' must be an object", "invalid_type"),
        };
    }

    public static JsonArray? Array(JsonObject body, string name)
    {
        var node = body[name];
        return node switch
        {
            null => null,
            JsonArray a => a,
            _ => throw OpenAIException.Invalid(name, $"'{name}' must be an array", "invalid_type"),
        };
    }

    /// <summary>The body as a JSON object; malformed JSON or another type is a 400.</summary>
    public static JsonObject ParseBody(ReadOnlySpan<byte> utf8)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw OpenAIException.Invalid(null, $"the request body is not valid JSON: {e.Message}", "invalid_json");
        }
        return node as JsonObject ?? throw OpenAIException.Invalid(null, "the request body must be a JSON object", "invalid_json");
    }
}
