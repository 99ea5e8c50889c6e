using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Spindle.Decoding.Speculative;

namespace Spindle.Server.Tests;

/// <summary>A server started with a drafter answers greedy requests with the same text whether they speculate or not.</summary>
public sealed class SpeculativeServingTests
{
    [Theory]
    [InlineData("lookup")]
    [InlineData("recycle")]
    [InlineData("draft")]
    public async Task SpeculativeAndPlainRequestsAgree(string method)
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Speculation = method switch
            {
                "lookup" => new SpeculationOptions { Method = SpeculationMethod.Lookup, DraftMax = 8 },
                "recycle" => new SpeculationOptions { Method = SpeculationMethod.Recycle, DraftMax = 16 },
                _ => new SpeculationOptions { DraftMax = 6 },
            };
            o.DraftModelPath = SharedModels.Stories281K;
        });
        using var http = server.Http();
        foreach (bool stream in new[] { false, true })
        {
            string plain = await Complete(http, draft: false, stream);
            string speculative = await Complete(http, draft: null, stream);
            Assert.Equal(plain, speculative);
            Assert.True(plain.Length > 40, plain);
        }
    }

    private static async Task<string> Complete(HttpClient http, bool? draft, bool stream)
    {
        var body = new JsonObject
        {
            ["model"] = "stories260K.q8_0",
            ["prompt"] = "Lily had a red ball. Lily had a red ball. Lily had a",
            ["max_tokens"] = 64,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (draft is bool d) body["draft"] = d;
        using var response = await http.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        if (!stream) return JsonNode.Parse(text)!["choices"]![0]!["text"]!.GetValue<string>();
        var joined = new StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            if (JsonNode.Parse(line[6..])!["choices"] is JsonArray { Count: > 0 } choices) joined.Append(choices[0]!["text"]?.GetValue<string>());
        }
        return joined.ToString();
    }
}
