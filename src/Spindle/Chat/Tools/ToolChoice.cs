using System.Text.Json.Nodes;

namespace Spindle.Chat.Tools;

/// <summary>Whether and which tool the model must call; <see cref="FunctionName"/> is set for <see cref="ToolChoiceMode.Named"/> only.</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);

    public static ToolChoice None { get; } = new(ToolChoiceMode.None);

    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);

    public static ToolChoice Named(string functionName)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        return new(ToolChoiceMode.Named, functionName);
    }

    /// <summary>
    /// Reads OpenAI's <c>tool_choice</c>: <c>"none"</c>, <c>"auto"</c>, <c>"required"</c> or
    /// <c>{"type":"function","function":{"name":...}}</c>; null (absent) is <see cref="Auto"/>.
    /// </summary>
    /// <exception cref="FormatException">any other value.</exception>
    public static ToolChoice FromJson(JsonNode? choice)
    {
        switch (choice)
        {
            case null:
                return Auto;
            case JsonValue v when v.TryGetValue(out string? s):
                return s switch
                {
                    "none" => None,
                    "auto" => Auto,
                    "required" => Required,
                    _ => throw new FormatException($"tool_choice '{s}' is not one of none, auto, required"),
                };
            case JsonObject o when NameOf(o) is { Length: > 0 } name:
                return Named(name);
            default:
                throw new FormatException("tool_choice must be \"none\", \"auto\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
        }
    }

    private static string? NameOf(JsonObject choice) =>
        choice["function"] is JsonObject f && f["name"] is JsonValue n && n.TryGetValue(out string? name) ? name : null;
}
