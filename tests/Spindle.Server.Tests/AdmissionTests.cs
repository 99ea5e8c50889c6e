using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Spindle.Server.Tests;

/// <summary>Limits a server enforces at the door: queue length (429 with Retry-After), body size (413), API key (401).</summary>
public sealed class AdmissionTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task AFullQueueAnswers429WithRetryAfter()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Models.RemoveAt(1);
            o.Parallel = 1;
            o.MaxQueuedRequests = 0;
        });
        using var http = server.Http();
        using var cts = new CancellationTokenSource();
        const string longStream = """{"messages":[{"role":"user","content":"go"}],"max_tokens":400,"stream":true,"ignore_eos":true}""";
        using var running = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(longStream) },
            HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        using var reader = new StreamReader(await running.Content.ReadAsStreamAsync(cts.Token));
        await reader.ReadLineAsync(cts.Token); // the stream is running

        using var refused = await http.PostAsync("/v1/chat/completions", Json("""{"messages":[{"role":"user","content":"me too"}],"max_tokens":4}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("rate_limit_error", error["type"]!.GetValue<string>());
        cts.Cancel();
    }

    [Fact]
    public async Task BadRequestsGetPreciseErrors()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxRequestBodyBytes = 4096);
        using var http = server.Http();
        async Task<(HttpStatusCode Status, JsonNode Error)> Post(string path, string body)
        {
            using var response = await http.PostAsync(path, Json(body));
            return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!);
        }
        var (status, error) = await Post("/v1/chat/completions", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_json", error["code"]!.GetValue<string>());

        (status, error) = await Post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('a', 5000) + "\"}]}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);

        (status, error) = await Post("/v1/chat/completions", """{"messages":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("messages", error["param"]!.GetValue<string>());

        (status, error) = await Post("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"n":99}""");
        Assert.Equal("n", error["param"]!.GetValue<string>());

        (status, error) = await Post("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"grammar":"root ::= ("}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("grammar", error["param"]!.GetValue<string>());

        (status, error) = await Post("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"nope"}},"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("tool_choice", error["param"]!.GetValue<string>());

        (status, error) = await Post("/v1/completions", """{"prompt":[1, 99999]}""");
        Assert.Equal("prompt", error["param"]!.GetValue<string>());

        // A watermark needs its scheme (the fields' checks are WatermarkServingTests').
        (status, error) = await Post("/v1/completions", """{"prompt":"x","watermark":{}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("watermark.scheme", error["param"]!.GetValue<string>());
        Assert.Equal("missing_required_parameter", error["code"]!.GetValue<string>());
        // A server started without a drafter cannot honour "draft": true; "draft" must be a boolean.
        (status, error) = await Post("/v1/completions", """{"prompt":"x","draft":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("draft", error["param"]!.GetValue<string>());
        Assert.Equal("unsupported_parameter", error["code"]!.GetValue<string>());
        (status, error) = await Post("/v1/completions", """{"prompt":"x","draft":{}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("draft", error["param"]!.GetValue<string>());
        (status, _) = await Post("/v1/completions", """{"prompt":"x","draft":false,"max_tokens":2}""");
        Assert.Equal(HttpStatusCode.OK, status);

        using var noKey = server.Http(apiKey: null);
        using var unauthorized = await noKey.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        using var health = await noKey.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task UtilityEndpointsAndMetricsAnswer()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.Http();
        using var tokenize = await http.PostAsync("/tokenize", Json("""{"content":"Once upon a time","add_special":true}"""));
        var tokens = JsonNode.Parse(await tokenize.Content.ReadAsStringAsync())!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.Equal([1, 403, 407, 261, 378], tokens); // ../shared/README.md's ids for this prompt
        using var detokenize = await http.PostAsync("/detokenize", Json("""{"tokens":[403,407,261,378]}"""));
        Assert.Equal("Once upon a time", JsonNode.Parse(await detokenize.Content.ReadAsStringAsync())!["content"]!.GetValue<string>().Trim());
        using var template = await http.PostAsync("/apply-template", Json("""{"messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Contains("<|im_start|>user\nhi<|im_end|>", JsonNode.Parse(await template.Content.ReadAsStringAsync())!["prompt"]!.GetValue<string>());
        using var models = await http.GetAsync("/v1/models");
        var ids = JsonNode.Parse(await models.Content.ReadAsStringAsync())!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["stories260K.q8_0", "tinystories-656K.q8_0"], ids);

        using var completion = await http.PostAsync("/v1/completions", Json("""{"prompt":"Once","max_tokens":5}"""));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        using var missing = await http.PostAsync("/v1/completions", Json("""{"model":"nope","prompt":"Once"}"""));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        string metrics = "";
        // The exporter caches a scrape briefly; the counters appear once a request has been recorded.
        for (int i = 0; i < 50 && !(metrics.Contains("spindle_generated_tokens") && metrics.Contains("status=\"404\"")); i++)
        {
            metrics = await http.GetStringAsync("/metrics");
            if (!metrics.Contains("status=\"404\"")) await Task.Delay(100);
        }
        Assert.Contains("status=\"404\"", metrics); // refused requests are counted too
        Assert.Contains("spindle_generated_tokens", metrics);
        Assert.Contains("spindle_kv_blocks_in_use", metrics);
        Assert.Contains("spindle_time_to_first_token_seconds_bucket", metrics);
        Assert.Contains("spindle_queue_depth", metrics);
    }

    [Fact]
    public async Task ModelsLoadOnFirstUseAndTheLeastRecentlyUsedUnloadsBeyondTheBudget()
    {
        // A budget that holds one of the two models (each is about 1.2–1.3 MiB of weights plus KV pool at 2 × 512 slots) but not both.
        await using var server = await TestServer.StartAsync(o => { o.MemoryBudget = 2L << 20; o.Parallel = 2; });
        var registry = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Spindle.Server.Models.ModelRegistry>(server.Services);
        using var http = server.Http();
        Assert.Empty(registry.Loaded);
        using (var a = await http.PostAsync("/v1/completions", Json("""{"model":"stories260K.q8_0","prompt":"Once","max_tokens":2}""")))
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(["stories260K.q8_0"], registry.Loaded.Select(m => m.Alias).ToArray());
        using (var b = await http.PostAsync("/v1/completions", Json("""{"model":"tinystories-656K.q8_0","prompt":"Once","max_tokens":2}""")))
            Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(["tinystories-656K.q8_0"], registry.Loaded.Select(m => m.Alias).ToArray());
    }
}
