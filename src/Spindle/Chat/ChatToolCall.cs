using System.Text.Json.Nodes;

namespace Spindle.Chat;

/// <summary>
/// A function call an assistant message made, in the OpenAI shape templates read:
/// <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>. <see cref="Arguments"/> is usually a JSON
/// object (templates <c>tojson</c> it); some templates expect the already-encoded JSON string instead.
/// </summary>
public sealed record ChatToolCall(string Name, JsonNode? Arguments, string? Id = null, string Type = "function");
