using System.Text.Json;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// The JSON body of one streamed request. Greedy (temperature 0) with a seed, so a rerun asks the server for the same
/// tokens; ignore_eos is not OpenAI's but llama-server (and Spindle's server) honour it, so every request generates
/// max_tokens tokens and runs stay comparable; include_usage asks for the token counts in the last chunk.
/// </summary>
internal static class CompletionRequestBody
{
    public static byte[] Create(BenchServeSettings settings, string prompt)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (settings.Model is { } model) w.WriteString("model", model);
            if (settings.Endpoint == ServerEndpoint.Chat)
            {
                w.WriteStartArray("messages");
                w.WriteStartObject();
                w.WriteString("role", "user");
                w.WriteString("content", prompt);
                w.WriteEndObject();
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("prompt", prompt);
            }
            w.WriteNumber("max_tokens", settings.MaxTokens);
            w.WriteNumber("temperature", 0);
            w.WriteNumber("seed", settings.Seed);
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
            w.WriteBoolean("ignore_eos", true);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
