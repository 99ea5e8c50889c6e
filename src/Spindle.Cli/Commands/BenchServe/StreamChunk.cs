using System.Text.Json;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// What one streamed JSON chunk of /v1/completions or /v1/chat/completions says: the text it adds, the usage the last
/// chunk carries (with stream_options.include_usage), or an error the server reported in the middle of the stream.
/// </summary>
internal sealed record StreamChunk
{
    /// <summary>Text the chunk adds: choices[0].text (completions) or choices[0].delta.content (chat); null or "" for none.</summary>
    public string? Text { get; init; }

    public int? PromptTokens { get; init; }
    public int? CompletionTokens { get; init; }

    /// <summary>
    /// Prompt tokens the server took from its prefix cache: OpenAI's usage.prompt_tokens_details.cached_tokens, else
    /// llama-server's timings.cache_n, else usage.prompt_tokens − timings.prompt_n (llama-server build 4748 reports only
    /// the tokens it evaluated, prompt_n; it evaluates at least one even when the whole prompt was cached).
    /// </summary>
    public int? CachedTokens { get; init; }

    /// <summary>The server's error message when the chunk is an error object instead of a completion.</summary>
    public string? Error { get; init; }

    public bool HasText => !string.IsNullOrEmpty(Text);

    /// <exception cref="JsonException">The data is not JSON.</exception>
    public static StreamChunk Parse(string data)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("a stream chunk is not a JSON object");
        if (root.TryGetProperty("error", out var error)) return new StreamChunk { Error = ErrorMessage(error) };

        string? text = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (choice.ValueKind == JsonValueKind.Object)
                text = StringOrNull(choice, "text")
                    ?? (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
                        ? StringOrNull(delta, "content") ?? StringOrNull(delta, "reasoning_content")
                        : null);
        }

        int? prompt = null, completion = null, cached = null;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            prompt = IntOrNull(usage, "prompt_tokens");
            completion = IntOrNull(usage, "completion_tokens");
            if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object)
                cached = IntOrNull(details, "cached_tokens");
        }
        if (cached is null && root.TryGetProperty("timings", out var timings) && timings.ValueKind == JsonValueKind.Object)
        {
            cached = IntOrNull(timings, "cache_n");
            if (cached is null && prompt is int p && IntOrNull(timings, "prompt_n") is int evaluated)
                cached = Math.Max(0, p - evaluated);
        }
        return new StreamChunk { Text = text, PromptTokens = prompt, CompletionTokens = completion, CachedTokens = cached };
    }

    private static string ErrorMessage(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.String => error.GetString() ?? "",
        JsonValueKind.Object when StringOrNull(error, "message") is { } message => message,
        _ => error.GetRawText(),
    };

    private static string? StringOrNull(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? IntOrNull(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : null;
}
