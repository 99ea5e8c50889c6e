using System.Text;
using System.Text.Json.Nodes;

namespace Spindle.Chat.Tools;

/// <summary>
/// Tool calling through a chat template that knows nothing of tools (its source never mentions <c>tools</c>, e.g. the
/// ChatML fallback): the tools and the call format are described in words, and the conversation's tool traffic is
/// written as text in Hermes' convention, which such a template renders like any other turn.
/// </summary>
internal static class PlainTemplateTools
{
    /// <summary>
    /// Assistant calls become <c>&lt;tool_call&gt;</c> blocks after the turn's text; tool results become a user turn of
    /// <c>&lt;tool_response&gt;</c> blocks (consecutive results one turn), since many templates allow only
    /// user/assistant turns, alternating, and drop or reject a "tool" role.
    /// </summary>
    public static List<ChatMessage> RewriteHistory(IReadOnlyList<ChatMessage> messages)
    {
        var result = new List<ChatMessage>(messages.Count);
        StringBuilder? responses = null;
        foreach (var m in messages)
        {
            if (m.Role == "tool")
            {
                if (responses is null) responses = new StringBuilder();
                else responses.Append('\n');
                responses.Append("<tool_response>\n").Append(m.Content).Append("\n</tool_response>");
                continue;
            }
            Flush();
            if (m.Role == "assistant" && m.ToolCalls is { Count: > 0 } calls)
            {
                var text = new StringBuilder(m.Content ?? "");
                foreach (var call in calls)
                {
                    if (text.Length > 0) text.Append('\n');
                    text.Append(ToolCallParser.Open).Append('\n').Append(CallJson(call)).Append('\n').Append(ToolCallParser.Close);
                }
                result.Add(new ChatMessage(m.Role, text.ToString()) { Name = m.Name, Extra = m.Extra });
            }
            else
            {
                result.Add(m);
            }
        }
        Flush();
        return result;

        void Flush()
        {
            if (responses is null) return;
            result.Add(ChatMessage.User(responses.ToString()));
            responses = null;
        }
    }

    /// <summary>
    /// Puts <paramref name="instructions"/> where the template will show them: appended to a leading system message,
    /// else in a new system message when the template renders one, else before the first user message.
    /// </summary>
    public static void Insert(List<ChatMessage> messages, string instructions, ChatTemplate template)
    {
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            string? existing = messages[0].Content;
            messages[0] = messages[0] with { Content = string.IsNullOrEmpty(existing) ? instructions : existing + "\n\n" + instructions };
            return;
        }
        int user = messages.FindIndex(m => m.Role == "user");
        if (template.RendersSystemMessages || user < 0)
        {
            messages.Insert(0, ChatMessage.System(instructions));
            return;
        }
        messages[user] = messages[user] with { Content = instructions + "\n\n" + messages[user].Content };
    }

    /// <summary>What the model is told about the tools and the format of a call (kept short: it costs context on every request).</summary>
    public static string Instructions(IReadOnlyList<ToolDefinition> tools, ToolChoice choice, bool parallel)
    {
        var text = new StringBuilder("You can call these functions:\n<tools>\n");
        foreach (var tool in tools) text.Append(tool.ToJson().ToJsonString()).Append('\n');
        text.Append("</tools>\n");
        const string call = "{\"name\": <function name>, \"arguments\": <arguments object>}";
        text.Append(choice.Mode switch
        {
            ToolChoiceMode.Named => $"You must call \"{choice.FunctionName}\": reply with only {{\"name\": \"{choice.FunctionName}\", \"arguments\": <arguments object>}}.",
            ToolChoiceMode.Required when parallel => $"You must call at least one: reply with only a JSON array of calls [{call}, ...].",
            ToolChoiceMode.Required => $"You must call one: reply with only {call}.",
            _ => $"To call one, reply with <tool_call>{call}</tool_call>" + (parallel ? " (a block per call)" : "") +
                ". Results come back in <tool_response> tags. Otherwise reply in plain text.",
        });
        return text.ToString();
    }

    private static string CallJson(ChatToolCall call) =>
        new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments?.DeepClone() ?? new JsonObject() }.ToJsonString();
}
