using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Spindle.Server.Tests;

/// <summary>Stopping the host lets streams already running finish before the models unload.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheServerDrainsARunningStream()
    {
        var server = await TestServer.StartAsync(o => o.Models.RemoveAt(1));
        using var http = server.Http();
        const string body = """{"messages":[{"role":"user","content":"go"}],"max_tokens":200,"stream":true,"stream_options":{"include_usage":true},"ignore_eos":true}""";
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());

        var stopping = server.DisposeAsync().AsTask(); // stops accepting, waits for in-flight requests
        int generated = -1;
        bool done = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == "data: [DONE]") { done = true; break; }
            if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonNode.Parse(line[6..])!["usage"] is JsonObject usage)
                generated = usage["completion_tokens"]!.GetValue<int>();
        }
        await stopping;
        Assert.True(done, "the stream ended with [DONE]");
        Assert.Equal(200, generated);
    }
}
