using System.Text;
using System.Text.Json.Nodes;
using Spindle.Chat;

namespace Spindle.Server.Protocol;

/// <summary>Reads the <c>messages</c> array of a chat request; content given as parts keeps its text parts.</summary>
internal static class ChatRequestMessages
{
    public const int MaxMessages = 4096;

    public static List<ChatMessage> Parse(JsonObject body)
    {
        var array = JsonFields.Array(body, "messages") ?? throw OpenAIException.Invalid("messages", "'messages' is required", "missing_required_parameter");
        if (array.Count == 0) throw OpenAIException.Invalid("messages", "'messages' must not be empty");
        if (array.Count > MaxMessages) throw OpenAIException.Invalid("messages", $"'messages' may hold at most {MaxMessages} messages");
        var messages = new List<ChatMessage>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            string param = $"messages[{i}]";
            if (array[i] is not JsonObject obj) throw OpenAIException.Invalid(param, $"'{param}' must be an object", "invalid_type");
            if (obj["content"] is JsonArray parts)
            {
                obj = (JsonObject)obj.DeepClone();
                obj["content"] = TextOf(parts, param);
            }
            else if (obj["content"] is JsonValue v && v.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                throw OpenAIException.Invalid($"{param}.content", $"'{param}.content' must be a string or an array of content parts", "invalid_type");
            }
            ChatMessage message;
            try
            {
                message = ChatMessage.FromJson(obj);
            }
            catch (FormatException e)
            {
                throw OpenAIException.Invalid(param, $"'{param}': {e.Message}");
            }
            if (message.Role is not ("system" or "developer" or "user" or "assistant" or "tool" or "function"))
                throw OpenAIException.Invalid($"{param}.role", $"'{param}.role' is '{message.Role}'; expected system, developer, user, assistant or tool");
            messages.Add(message.Role == "developer" ? message with { Role = "system" } : message);
        }
        return messages;
    }

    private static string TextOf(JsonArray parts, string param)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            if (part is not JsonObject p || (string?)p["type"] is not { } type)
                throw OpenAIException.Invalid($"{param}.content", $"'{param}.content' parts must be objects with a 'type'", "invalid_type");
            if (type != "text")
                throw OpenAIException.Invalid($"{param}.content", $"content parts of type '{type}' are not supported (this server reads text)", "unsupported_content");
            text.Append(p["text"] is JsonValue t && t.TryGetValue(out string? s) ? s
                : throw OpenAIException.Invalid($"{param}.content", "a text part needs a string 'text'", "invalid_type"));
        }
        return text.ToString();
    }
}
