using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Spindle.Chat.Tools;
using Spindle.Generation;

namespace Spindle.AI;

/// <summary>
/// Maps <see cref="ChatOptions"/> onto <see cref="GenerationOptions"/>: Temperature, TopP, TopK, FrequencyPenalty,
/// PresencePenalty and Seed onto the sampler's options, MaxOutputTokens onto MaxTokens, StopSequences onto StopStrings,
/// ResponseFormat onto Constraint: <see cref="ChatResponseFormatJson"/> with a schema becomes a JSON Schema constraint,
/// without one a JSON-object constraint (OpenAI's JSON mode); <see cref="ChatResponseFormat.Text"/> removes a constraint
/// the defaults set. Unset fields keep the defaults' values. Tools, ToolMode and AllowMultipleToolCalls become a
/// <see cref="ToolCallProtocol"/> (<see cref="ToolsOf"/>), whose constraint, for a required call, replaces the response format's.
/// </summary>
public static class ChatOptionsMapper
{
    /// <summary>JSON mode without a schema means "a JSON object", as OpenAI's response_format json_object does.</summary>
    public const string JsonObjectSchema = "{\"type\":\"object\"}";

    public static GenerationOptions Apply(GenerationOptions defaults, ChatOptions? options)
    {
        if (options is null) return defaults;
        var s = defaults.Sampling;
        if (options.Temperature is { } t) s = s with { Temperature = t };
        if (options.TopP is { } p) s = s with { TopP = p };
        if (options.TopK is { } k) s = s with { TopK = k };
        if (options.FrequencyPenalty is { } f) s = s with { FrequencyPenalty = f };
        if (options.PresencePenalty is { } pp) s = s with { PresencePenalty = pp };
        var g = defaults with { Sampling = s };
        if (options.Seed is { } seed) g = g with { Seed = unchecked((ulong)seed) };
        if (options.MaxOutputTokens is { } max) g = g with { MaxTokens = max };
        if (options.StopSequences is { Count: > 0 } stops) g = g with { StopStrings = [.. defaults.StopStrings, .. stops] };
        if (options.ResponseFormat is { } format) g = g with { Constraint = ConstraintOf(format, defaults.Constraint) };
        return g;
    }

    private static ConstraintSpec? ConstraintOf(ChatResponseFormat format, ConstraintSpec? fallback) => format switch
    {
        ChatResponseFormatJson { Schema: { } schema } => ConstraintSpec.JsonSchema(schema.GetRawText()),
        ChatResponseFormatJson => ConstraintSpec.JsonSchema(JsonObjectSchema),
        ChatResponseFormatText => null,
        _ => fallback,
    };

    /// <summary>
    /// The tool-calling protocol <paramref name="options"/> ask for: the <see cref="AIFunctionDeclaration"/>s of
    /// <see cref="ChatOptions.Tools"/> (other tools, e.g. hosted ones, are ignored), ToolMode null or Auto → Auto,
    /// None → None, RequireAny → Required, RequireSpecific(name) → Named; AllowMultipleToolCalls null means allowed.
    /// Null when there are no function tools and no call is required.
    /// </summary>
    /// <exception cref="ArgumentException">a required call without function tools, a named function that is not among
    /// them, or two functions with one name.</exception>
    public static ToolCallProtocol? ToolsOf(ChatOptions? options)
    {
        var tools = new List<ToolDefinition>();
        if (options?.Tools is { } declared)
            foreach (var tool in declared)
                if (tool is AIFunctionDeclaration f) tools.Add(DefinitionOf(f));
        var choice = options?.ToolMode switch
        {
            NoneChatToolMode => ToolChoice.None,
            RequiredChatToolMode { RequiredFunctionName: { } name } => ToolChoice.Named(name),
            RequiredChatToolMode => ToolChoice.Required,
            _ => ToolChoice.Auto,
        };
        if (tools.Count == 0 && choice.Mode is ToolChoiceMode.None or ToolChoiceMode.Auto) return null;
        return new ToolCallProtocol(tools, choice, options?.AllowMultipleToolCalls ?? true);
    }

    private static ToolDefinition DefinitionOf(AIFunctionDeclaration f) => new(
        f.Name,
        string.IsNullOrEmpty(f.Description) ? null : f.Description,
        f.JsonSchema.ValueKind == JsonValueKind.Object ? JsonNode.Parse(f.JsonSchema.GetRawText()) as JsonObject : null);
}
