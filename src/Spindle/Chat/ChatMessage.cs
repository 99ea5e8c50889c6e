using System.Text.Json.Nodes;

namespace Spindle.Chat;

/// <summary>
/// One conversation turn as chat templates see it (<c>message.role</c>, <c>message.content</c>, ...). Optional fields
/// that are null are left out of the message entirely, so <c>message.tool_calls is defined</c> is false for them;
/// a null <see cref="Content"/> is present as <c>none</c>, as in the OpenAI wire format.
/// </summary>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>Calls an assistant turn made (<c>message.tool_calls</c>).</summary>
    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }

    /// <summary>The tool's name on a tool-result turn (<c>message.name</c>).</summary>
    public string? Name { get; init; }

    /// <summary>The call a tool-result turn answers (<c>message.tool_call_id</c>).</summary>
    public string? ToolCallId { get; init; }

    /// <summary>Any other fields a template reads (e.g. <c>reasoning_content</c>), added after the standard ones.</summary>
    public IReadOnlyDictionary<string, JsonNode?>? Extra { get; init; }

    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string? content) => new("assistant", content);

    /// <summary>Reads an OpenAI-style message object; unknown fields go to <see cref="Extra"/>.</summary>
    /// <exception cref="FormatException">the object has no string "role" or a malformed "tool_calls".</exception>
    public static ChatMessage FromJson(JsonObject obj)
    {
        string role = obj["role"] is JsonValue r && r.TryGetValue(out string? rs) ? rs : throw new FormatException("message has no string 'role'");
        string? content = obj["content"] is JsonValue c && c.TryGetValue(out string? cs) ? cs : null;
        List<ChatToolCall>? calls = null;
        Dictionary<string, JsonNode?>? extra = null;
        string? name = null, toolCallId = null;
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "role" or "content" when key == "role" || value is null or JsonValue:
                    break;
                case "name" when value is JsonValue nv && nv.TryGetValue(out string? ns):
                    name = ns;
                    break;
                case "tool_call_id" when value is JsonValue tv && tv.TryGetValue(out string? ts):
                    toolCallId = ts;
                    break;
                case "tool_calls" when value is JsonArray array:
                    calls = [];
                    foreach (var item in array)
                    {
                        var function = item?["function"] as JsonObject ?? throw new FormatException("tool call has no 'function' object");
                        calls.Add(new ChatToolCall(
                            (string?)function["name"] ?? throw new FormatException("tool call function has no 'name'"),
                            function["arguments"]?.DeepClone(),
                            item!["id"] is JsonValue idv && idv.TryGetValue(out string? id) ? id : null,
                            item["type"] is JsonValue tyv && tyv.TryGetValue(out string? type) ? type : "function"));
                    }
                    break;
                default:
                    (extra ??= [])[key] = value?.DeepClone();
                    break;
            }
        }
        return new ChatMessage(role, content) { ToolCalls = calls, Name = name, ToolCallId = toolCallId, Extra = extra };
    }
}
