using System.Text.Json;
using System.Text.Json.Nodes;
using Spindle.Chat.Jinja;

namespace Spindle.Chat;

/// <summary>
/// Converts JSON (tool schemas, arguments, extra variables) into template values, keeping key order. The recursion
/// follows the input's nesting, so it stops at a depth limit (a JsonNode built in code has none of its own).
/// </summary>
public static class JinjaJson
{
    public static JinjaValue ToValue(JsonNode? node) => ToValue(node, ChatTemplateLimits.Default.MaxNestingDepth);

    /// <exception cref="JinjaLimitException"><paramref name="node"/> nests deeper than <paramref name="maxDepth"/>.</exception>
    public static JinjaValue ToValue(JsonNode? node, int maxDepth) => ToValue(node, maxDepth, 1);

    private static JinjaValue ToValue(JsonNode? node, int maxDepth, int depth)
    {
        if (depth > maxDepth)
            throw new JinjaLimitException(nameof(ChatTemplateLimits.MaxNestingDepth), maxDepth, "a JSON variable (message, tool or argument) nests too deeply");
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new JinjaLimitException(nameof(ChatTemplateLimits.MaxNestingDepth), maxDepth, $"the thread's stack ran low at depth {depth} of a JSON variable");
        switch (node)
        {
            case null:
                return JinjaValue.None;
            case JsonObject obj:
            {
                var d = new JinjaDict();
                foreach (var (k, v) in obj) d.Set(k, ToValue(v, maxDepth, depth + 1));
                return d;
            }
            case JsonArray array:
            {
                var items = new List<JinjaValue>(array.Count);
                foreach (var v in array) items.Add(ToValue(v, maxDepth, depth + 1));
                return new JinjaList(items);
            }
            case JsonValue value:
                return FromScalar(value);
            default:
                throw new ArgumentException($"unsupported JSON node {node.GetType().Name}");
        }
    }

    private static JinjaValue FromScalar(JsonValue value)
    {
        if (value.TryGetValue(out string? s)) return new JinjaString(s);
        if (value.TryGetValue(out bool b)) return JinjaValue.FromBool(b);
        if (value.TryGetValue(out long l)) return new JinjaInt(l);
        if (value.TryGetValue(out int i)) return new JinjaInt(i);
        if (value.TryGetValue(out double d)) return new JinjaFloat(d);
        if (value.TryGetValue(out JsonElement e))
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: return new JinjaString(e.GetString()!);
                case JsonValueKind.True: return JinjaValue.True;
                case JsonValueKind.False: return JinjaValue.False;
                case JsonValueKind.Null: return JinjaValue.None;
                case JsonValueKind.Number:
                    // JSON "1.0" is a float in Python's json.loads, "1" an int: keep that distinction.
                    string raw = e.GetRawText();
                    if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && e.TryGetInt64(out long li)) return new JinjaInt(li);
                    return new JinjaFloat(e.GetDouble());
            }
        }
        return new JinjaString(value.ToJsonString());
    }
}
