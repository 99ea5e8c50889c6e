using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spindle.Chat.Tools;

/// <summary>
/// Finds tool calls in a reply: <c>&lt;tool_call&gt;{"name":..,"arguments":..}&lt;/tool_call&gt;</c> blocks
/// (Hermes / Qwen; a block may hold an array, and the last block may be unclosed), else a reply that is, as a whole, a
/// call object or an array of them naming known tools (what a constrained reply is, and Llama 3.1 / Mistral write).
/// </summary>
internal static class ToolCallParser
{
    public const string Open = "<tool_call>";
    public const string Close = "</tool_call>";

    /// <summary>Mistral's marker before its JSON array of calls (the control token's text).</summary>
    private const string MistralMarker = "[TOOL_CALLS]";

    public static ToolCallParseResult Parse(string text, IReadOnlySet<string> knownNames)
    {
        var calls = new List<ChatToolCall>();
        var content = new StringBuilder();
        int pos = 0;
        while (pos < text.Length)
        {
            int open = text.IndexOf(Open, pos, StringComparison.Ordinal);
            if (open < 0) break;
            int close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            int innerEnd = close < 0 ? text.Length : close;
            int end = close < 0 ? text.Length : close + Close.Length;
            // Inside explicit tags any name counts: the caller (or FunctionInvokingChatClient) answers an unknown one.
            if (TryRead(text.AsSpan(open + Open.Length, innerEnd - open - Open.Length), knownNames: null, strict: false, calls))
                content.Append(text, pos, open - pos);
            else
                content.Append(text, pos, end - pos);
            pos = end;
        }
        if (calls.Count > 0)
        {
            content.Append(text, pos, text.Length - pos);
            return new ToolCallParseResult(calls, content.ToString().Trim());
        }
        // A whole reply in call shape must name known tools and have no other keys: JSON the user asked for is not a call.
        var whole = text.AsSpan().Trim();
        if (whole.StartsWith(MistralMarker, StringComparison.Ordinal)) whole = whole[MistralMarker.Length..].TrimStart();
        if (whole.Length > 0 && whole[0] is '{' or '[' && TryRead(whole, knownNames, strict: true, calls))
            return new ToolCallParseResult(calls, "");
        return new ToolCallParseResult([], text);
    }

    /// <summary>Adds the calls <paramref name="json"/> holds to <paramref name="calls"/>, or adds none and returns false.</summary>
    private static bool TryRead(ReadOnlySpan<char> json, IReadOnlySet<string>? knownNames, bool strict, List<ChatToolCall> calls)
    {
        var found = new List<ChatToolCall>();
        try
        {
            // JsonObject reads its members lazily: a duplicate key throws ArgumentException only when they are read.
            var node = JsonNode.Parse(json.Trim().ToString());
            if (node is JsonArray array)
            {
                if (array.Count == 0) return false;
                foreach (var item in array)
                    if (!TryReadCall(item, knownNames, strict, found)) return false;
            }
            else if (!TryReadCall(node, knownNames, strict, found))
            {
                return false;
            }
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return false;
        }
        calls.AddRange(found);
        return true;
    }

    private static bool TryReadCall(JsonNode? node, IReadOnlySet<string>? knownNames, bool strict, List<ChatToolCall> found)
    {
        if (node is not JsonObject obj) return false;
        string? name = null;
        JsonNode? arguments = null;
        bool hasArguments = false;
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "name" when value is JsonValue v && v.TryGetValue(out string? s):
                    name = s;
                    break;
                // Llama 3.1 writes "parameters".
                case "arguments" or "parameters" when !hasArguments:
                    arguments = value;
                    hasArguments = true;
                    break;
                default:
                    if (strict) return false;
                    break;
            }
        }
        if (string.IsNullOrEmpty(name) || (knownNames is not null && !knownNames.Contains(name))) return false;
        if (strict && !hasArguments) return false;
        // Some models write the arguments as an encoded JSON string, as the OpenAI wire format carries them.
        if (arguments is JsonValue encoded && encoded.TryGetValue(out string? argumentText)) arguments = JsonNode.Parse(argumentText);
        if (arguments is null) arguments = new JsonObject();
        else if (arguments is not JsonObject) return false;
        found.Add(new ChatToolCall(name, arguments.DeepClone(), NewCallId()));
        return true;
    }

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>An OpenAI-style call id, <c>call_</c> and 24 random letters and digits.</summary>
    public static string NewCallId() => "call_" + RandomNumberGenerator.GetString(IdAlphabet, 24);
}
