using Microsoft.Extensions.AI;
using Spindle.Generation;

namespace Spindle.AI;

/// <summary>
/// Maps <see cref="ChatOptions"/> onto <see cref="GenerationOptions"/>: Temperature, TopP, TopK, FrequencyPenalty,
/// PresencePenalty and Seed onto the sampler's options, MaxOutputTokens onto MaxTokens, StopSequences onto StopStrings,
/// ResponseFormat onto Constraint: <see cref="ChatResponseFormatJson"/> with a schema becomes a JSON Schema constraint,
/// without one a JSON-object constraint (OpenAI's JSON mode); <see cref="ChatResponseFormat.Text"/> removes a constraint
/// the defaults set. Unset fields keep the defaults' values.
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
}
