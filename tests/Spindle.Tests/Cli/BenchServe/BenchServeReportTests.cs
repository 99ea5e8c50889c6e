using System.Text.Json;
using Spindle.Cli;
using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

/// <summary>Aggregation and the --json shape, from hand-made outcomes (no server).</summary>
public class BenchServeReportTests
{
    private static RequestOutcome Completed(int index, double ttft, double[] gaps, int tokens, int prompt, int? cached = null,
        int prefix = -1, bool firstUse = false)
    {
        var o = new RequestOutcome { Index = index, PrefixIndex = prefix, FirstUseOfPrefix = firstUse, TimeToFirstTokenMs = ttft };
        o.InterTokenMs.AddRange(gaps);
        o.ContentChunks = gaps.Length + 1;
        o.CompletionTokens = tokens;
        o.PromptTokens = prompt;
        o.CachedTokens = cached;
        return o;
    }

    private static BenchServeSettings Settings(int sharedPrefix = 0, int prefixes = 1) => new()
    {
        BaseUrl = BenchServeSettings.ParseBaseUrl("http://127.0.0.1:8091"),
        Clients = 2,
        Requests = 4,
        PromptTokens = 32,
        MaxTokens = 3,
        SharedPrefixTokens = sharedPrefix,
        Prefixes = prefixes,
    };

    [Fact]
    public void Totals_rates_and_latencies()
    {
        var outcomes = new List<RequestOutcome>
        {
            Completed(0, 100, [10, 20], 3, 30),
            Completed(1, 300, [30, 40], 3, 34),
            new() { Index = 2, Error = "HTTP 503 Service Unavailable" },
            new() { Index = 3, Cancelled = true },
        };
        var r = BenchServeReport.From(Settings(), new LoadRun(outcomes, TimeSpan.FromSeconds(2), Interrupted: false, Unreachable: false));
        Assert.Equal(2, r.Completed);
        Assert.Equal(1, r.Errors); // a cancelled request is neither
        Assert.Equal("HTTP 503 Service Unavailable", r.FirstError);
        Assert.Equal(6, r.GeneratedTokens);
        Assert.Equal(3.0, r.ThroughputTokensPerSecond, 9);
        Assert.Equal(1.0, r.RequestsPerSecond, 9);
        Assert.Equal(32.0, r.PromptTokensMean);
        Assert.Equal(200, r.TimeToFirstToken!.P50, 9);
        Assert.Equal(25, r.InterToken!.P50, 9); // the gaps of all requests pooled
        Assert.Equal(4, r.InterToken.Count);
        Assert.Null(r.TimeToFirstTokenFirstUse);
        Assert.Null(r.CachedTokens);
        Assert.Null(r.CacheHitRate);

        using var json = JsonDocument.Parse(BenchServeJson.Write(r));
        var root = json.RootElement;
        Assert.Equal("http://127.0.0.1:8091", root.GetProperty("url").GetString());
        Assert.Equal(2, root.GetProperty("clients").GetInt32());
        Assert.Equal(4, root.GetProperty("requests").GetInt32());
        Assert.Equal(2, root.GetProperty("completed").GetInt32());
        Assert.Equal(1, root.GetProperty("errors").GetInt32());
        Assert.Equal(32.0, root.GetProperty("prompt_tokens_mean").GetDouble());
        Assert.Equal(6, root.GetProperty("generated_tokens").GetInt64());
        Assert.Equal(2.0, root.GetProperty("wall_seconds").GetDouble());
        Assert.Equal(3.0, root.GetProperty("throughput_tokens_per_second").GetDouble());
        Assert.Equal(1.0, root.GetProperty("requests_per_second").GetDouble());
        foreach (string latency in new[] { "ttft_ms", "itl_ms" })
            foreach (string key in new[] { "p50", "p99", "mean" })
                Assert.Equal(JsonValueKind.Number, root.GetProperty(latency).GetProperty(key).ValueKind);
        Assert.Equal(298.0, root.GetProperty("ttft_ms").GetProperty("p99").GetDouble());
        // Keys that do not apply without shared prefixes or cache reports are absent, not null.
        foreach (string absent in new[] { "ttft_first_use_ms", "ttft_repeat_ms", "cached_tokens", "cache_hit_rate" })
            Assert.False(root.TryGetProperty(absent, out _), absent);
    }

    [Fact]
    public void Shared_prefixes_split_ttft_and_give_the_hit_rate_of_repeat_uses()
    {
        var outcomes = new List<RequestOutcome>
        {
            Completed(0, 400, [10], 2, 40, cached: 1, prefix: 0, firstUse: true),
            Completed(1, 500, [10], 2, 40, cached: 0, prefix: 1, firstUse: true),
            Completed(2, 100, [10], 2, 40, cached: 30, prefix: 0),
            Completed(3, 120, [10], 2, 40, cached: 20, prefix: 1),
        };
        var r = BenchServeReport.From(Settings(sharedPrefix: 30, prefixes: 2), new LoadRun(outcomes, TimeSpan.FromSeconds(1), false, false));
        Assert.Equal(450, r.TimeToFirstTokenFirstUse!.P50, 9);
        Assert.Equal(110, r.TimeToFirstTokenRepeat!.P50, 9);
        Assert.Equal(51, r.CachedTokens);
        Assert.Equal(50.0 / 80, r.CacheHitRate!.Value, 9);

        using var json = JsonDocument.Parse(BenchServeJson.Write(r));
        var root = json.RootElement;
        Assert.Equal(450.0, root.GetProperty("ttft_first_use_ms").GetProperty("p50").GetDouble());
        Assert.Equal(110.0, root.GetProperty("ttft_repeat_ms").GetProperty("p50").GetDouble());
        Assert.Equal(51, root.GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0.625, root.GetProperty("cache_hit_rate").GetDouble());
    }

    [Fact]
    public void No_samples_is_null_latency()
    {
        var r = BenchServeReport.From(Settings(), new LoadRun([new RequestOutcome { Index = 0, Error = "x" }], TimeSpan.FromSeconds(1), false, false));
        using var json = JsonDocument.Parse(BenchServeJson.Write(r));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("ttft_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("prompt_tokens_mean").ValueKind);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8091", "http://127.0.0.1:8091/v1/completions")]
    [InlineData("http://127.0.0.1:8091/", "http://127.0.0.1:8091/v1/completions")]
    [InlineData("http://127.0.0.1:8091/v1", "http://127.0.0.1:8091/v1/completions")]
    [InlineData("https://example.com/llm/v1/", "https://example.com/llm/v1/completions")]
    public void Base_urls_with_or_without_v1_reach_the_same_route(string given, string expected) =>
        Assert.Equal(expected, (Settings() with { BaseUrl = BenchServeSettings.ParseBaseUrl(given) }).RequestUrl.ToString());

    [Fact]
    public void Chat_goes_to_chat_completions()
    {
        var chat = Settings() with { Endpoint = ServerEndpoint.Chat };
        Assert.Equal("http://127.0.0.1:8091/v1/chat/completions", chat.RequestUrl.ToString());
        using var body = JsonDocument.Parse(CompletionRequestBody.Create(chat with { Model = "m" }, "hello"));
        Assert.Equal("hello", body.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal("m", body.RootElement.GetProperty("model").GetString());
        Assert.False(body.RootElement.TryGetProperty("prompt", out _));
    }

    [Theory]
    [InlineData("127.0.0.1:8091")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("not a url")]
    [InlineData("http://127.0.0.1:8091/?x=1")]
    public void Other_addresses_are_usage_errors(string given) =>
        Assert.Throws<CliException>(() => BenchServeSettings.ParseBaseUrl(given));
}
