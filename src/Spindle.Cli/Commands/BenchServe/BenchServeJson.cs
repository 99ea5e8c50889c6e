using System.Text;
using System.Text.Json;

namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// The --json object (Utf8JsonWriter: no reflection, which the native build lacks). Keys with "?" in the issue's
/// spec (the shared-prefix split, cached tokens, hit rate) are left out when they do not apply; a latency with no
/// samples is null.
/// </summary>
internal static class BenchServeJson
{
    public static string Write(BenchServeReport r)
    {
        var s = r.Settings;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("url", s.BaseUrl.ToString().TrimEnd('/'));
            w.WriteString("endpoint", s.Endpoint == ServerEndpoint.Chat ? "chat" : "completions");
            if (s.Model is { } model) w.WriteString("model", model);
            w.WriteNumber("clients", s.Clients);
            w.WriteNumber("requests", s.Requests);
            w.WriteNumber("completed", r.Completed);
            w.WriteNumber("errors", r.Errors);
            if (r.FirstError is { } error) w.WriteString("first_error", error);
            w.WriteBoolean("interrupted", r.Interrupted);
            w.WriteNumber("resends", r.Resends);
            w.WriteNumber("prompt_tokens_requested", s.PromptTokens);
            if (r.PromptTokensMean is double prompt) w.WriteNumber("prompt_tokens_mean", Math.Round(prompt, 3));
            else w.WriteNull("prompt_tokens_mean");
            w.WriteNumber("max_tokens", s.MaxTokens);
            w.WriteNumber("generated_tokens", r.GeneratedTokens);
            w.WriteNumber("wall_seconds", Math.Round(r.WallSeconds, 4));
            w.WriteNumber("throughput_tokens_per_second", Math.Round(r.ThroughputTokensPerSecond, 3));
            w.WriteNumber("requests_per_second", Math.Round(r.RequestsPerSecond, 4));
            WriteLatency(w, "ttft_ms", r.TimeToFirstToken, withMean: true);
            WriteLatency(w, "itl_ms", r.InterToken, withMean: true);
            if (s.SharedPrefixTokens > 0)
            {
                w.WriteNumber("shared_prefix_tokens", s.SharedPrefixTokens);
                w.WriteNumber("prefixes", s.Prefixes);
                WriteLatency(w, "ttft_first_use_ms", r.TimeToFirstTokenFirstUse, withMean: false);
                WriteLatency(w, "ttft_repeat_ms", r.TimeToFirstTokenRepeat, withMean: false);
            }
            if (r.CachedTokens is long cached) w.WriteNumber("cached_tokens", cached);
            if (r.CacheHitRate is double rate) w.WriteNumber("cache_hit_rate", Math.Round(rate, 4));
            w.WriteNumber("seed", s.Seed);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteLatency(Utf8JsonWriter w, string name, LatencySummary? latency, bool withMean)
    {
        if (latency is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteNumber("p50", Math.Round(latency.P50, 3));
        w.WriteNumber("p99", Math.Round(latency.P99, 3));
        if (withMean) w.WriteNumber("mean", Math.Round(latency.Mean, 3));
        w.WriteNumber("count", latency.Count);
        w.WriteEndObject();
    }
}
