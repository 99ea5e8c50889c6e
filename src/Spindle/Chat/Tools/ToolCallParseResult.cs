namespace Spindle.Chat.Tools;

/// <summary>
/// What <see cref="ToolCallProtocol.Parse"/> found in a reply: the tool calls (each with a generated id and its
/// arguments as a JSON object) and the text that is left once the calls are taken out (the whole reply when there are none).
/// </summary>
public sealed record ToolCallParseResult(IReadOnlyList<ChatToolCall> ToolCalls, string Content)
{
    public bool HasToolCalls => ToolCalls.Count > 0;
}
