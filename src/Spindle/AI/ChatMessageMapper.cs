using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Spindle.Chat;
using Spindle.Chat.Tools;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using SpindleChatMessage = Spindle.Chat.ChatMessage;

namespace Spindle.AI;

/// <summary>
/// Converts Microsoft.Extensions.AI messages to the template's messages and parsed tool calls back: an assistant
/// message's <see cref="FunctionCallContent"/>s become its <see cref="SpindleChatMessage.ToolCalls"/>, each
/// <see cref="FunctionResultContent"/> a "tool" message with <c>tool_call_id</c> (and <c>name</c>, looked up from the
/// call it answers), as OpenAI's wire format has them.
/// </summary>
internal static class ChatMessageMapper
{
    public static List<SpindleChatMessage> ToSpindle(IEnumerable<AiChatMessage> messages, string? instructions)
    {
        var converted = new List<SpindleChatMessage>();
        if (!string.IsNullOrEmpty(instructions)) converted.Add(SpindleChatMessage.System(instructions));
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            ArgumentNullException.ThrowIfNull(m, nameof(messages));
            List<ChatToolCall>? calls = null;
            List<FunctionResultContent>? results = null;
            foreach (var content in m.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    (calls ??= []).Add(new ChatToolCall(call.Name, ArgumentsNode(call.Arguments), call.CallId));
                    callNames[call.CallId] = call.Name;
                }
                else if (content is FunctionResultContent result)
                {
                    (results ??= []).Add(result);
                }
            }
            string text = m.Text;
            if (results is null || text.Length > 0)
                converted.Add(new SpindleChatMessage(m.Role.Value, text) { ToolCalls = calls });
            if (results is null) continue;
            foreach (var result in results)
                converted.Add(new SpindleChatMessage("tool", ResultText(result.Result))
                {
                    ToolCallId = result.CallId,
                    Name = callNames.GetValueOrDefault(result.CallId),
                });
        }
        return converted;
    }

    /// <summary>The reply's contents: its text (when any is left) and one <see cref="FunctionCallContent"/> per call.</summary>
    public static List<AIContent> ToContents(ToolCallParseResult parsed)
    {
        var contents = new List<AIContent>();
        if (parsed.Content.Length > 0) contents.Add(new TextContent(parsed.Content));
        contents.AddRange(FunctionCalls(parsed));
        return contents;
    }

    public static IEnumerable<AIContent> FunctionCalls(ToolCallParseResult parsed) =>
        parsed.ToolCalls.Select(call => new FunctionCallContent(call.Id ?? ToolCallParser.NewCallId(), call.Name, ArgumentsDictionary(call.Arguments)));

    /// <summary>A call's arguments as FunctionInvokingChatClient binds them: name → <see cref="JsonElement"/> (null for JSON null).</summary>
    public static Dictionary<string, object?> ArgumentsDictionary(JsonNode? arguments)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (arguments is not JsonObject obj) return dictionary;
        foreach (var (key, value) in obj)
        {
            if (value is null) dictionary[key] = null;
            else
            {
                using var doc = JsonDocument.Parse(value.ToJsonString());
                dictionary[key] = doc.RootElement.Clone();
            }
        }
        return dictionary;
    }

    private static JsonNode ArgumentsNode(IDictionary<string, object?>? arguments) =>
        arguments is null
            ? new JsonObject()
            : JsonSerializer.SerializeToNode(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))) ?? new JsonObject();

    /// <summary>A tool result as the text a template shows: strings as they are, anything else as JSON.</summary>
    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        JsonNode n => n.ToJsonString(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };
}
