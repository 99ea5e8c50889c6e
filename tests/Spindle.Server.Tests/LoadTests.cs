using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Spindle.Decoding.Speculative;
using Spindle.Server.Models;

namespace Spindle.Server.Tests;

/// <summary>
/// Many streaming clients at once, some of which hang up mid-stream: every other stream completes, and the KV blocks
/// all come back — plain, and with speculative decoding on (recycling trees; a draft model for the model it fits,
/// the other served plain beside it).
/// </summary>
public sealed class LoadTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("recycle")]
    [InlineData("draft")]
    public async Task SixteenStreamingClientsAndDisconnectsLeaveNoBlocksInUse(string speculation)
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Parallel = 8;
            o.Speculation = speculation switch
            {
                "recycle" => new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 12 },
                "draft" => new SpeculationOptions { Method = SpeculationMethod.DraftModel, DraftMax = 4 },
                _ => null,
            };
            if (speculation == "draft") o.DraftModelPath = SharedModels.Stories281K;
        });
        using var http = server.Http();
        const int clients = 16, requestsEach = 20;
        int completed = 0, cancelled = 0;
        var errors = new List<string>();
        var tasks = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < requestsEach; r++)
            {
                // Every fifth request of every fourth client hangs up after a few events.
                bool hangUp = client % 4 == 3 && r % 5 == 0;
                using var cts = new CancellationTokenSource();
                var body = new JsonObject
                {
                    ["model"] = client % 2 == 0 ? "stories260K.q8_0" : "tinystories-656K.q8_0",
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"Client {client} asks story {r}: once upon a time" }),
                    ["max_tokens"] = 24 + r % 8,
                    ["stream"] = true,
                    ["stream_options"] = new JsonObject { ["include_usage"] = true },
                    ["ignore_eos"] = true,
                };
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        string text = await response.Content.ReadAsStringAsync();
                        lock (errors) errors.Add($"{response.StatusCode}: {text}");
                        continue;
                    }
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                    int events = 0, generated = -1;
                    bool done = false;
                    while (await reader.ReadLineAsync(cts.Token) is { } line)
                    {
                        if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                        string data = line[6..];
                        if (data == "[DONE]") { done = true; break; }
                        events++;
                        var chunk = JsonNode.Parse(data)!;
                        if (chunk["usage"] is JsonObject usage) generated = usage["completion_tokens"]!.GetValue<int>();
                        if (hangUp && events == 3) cts.Cancel();
                    }
                    if (!done || generated != 24 + r % 8) lock (errors) errors.Add($"client {client} request {r}: done={done}, generated={generated}");
                    else Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) when (hangUp)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Empty(errors);
        Assert.Equal(clients * requestsEach - cancelled, completed);
        Assert.True(cancelled >= 10, $"{cancelled} clients hung up");

        var registry = server.Services.GetRequiredService<ModelRegistry>();
        foreach (var model in registry.Loaded)
        {
            Spindle.Server.Tests.EngineAssert.Idle(model.Engine);
            if (speculation != "plain" && model.Alias == "stories260K.q8_0") Assert.NotNull(model.Speculation);
        }
        using var health = await http.GetAsync("/health");
        Assert.Contains("\"kv_blocks_in_use\":0", await health.Content.ReadAsStringAsync());
    }
}
