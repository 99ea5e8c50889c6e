using System.Diagnostics;
using System.Text;
using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

/// <summary>How one response stream becomes a request's measurements.</summary>
public class StreamedRequestTests
{
    private static async Task<RequestOutcome> Read(string stream)
    {
        var outcome = new RequestOutcome { Index = 0 };
        using var events = new ServerSentEventReader(new TrickleStream(Encoding.UTF8.GetBytes(stream), 3));
        await StreamedRequest.ReadStreamAsync(events, outcome, Stopwatch.GetTimestamp(), CancellationToken.None);
        return outcome;
    }

    private static string Text(string t) => $"data: {{\"choices\":[{{\"text\":\"{t}\"}}]}}\n\n";

    [Fact]
    public async Task Chunks_with_text_are_timed_and_the_usage_counts_win()
    {
        var o = await Read(Text("") + Text("a") + Text("b") + Text("") + Text("c")
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5}}\n\ndata: [DONE]\n\n");
        Assert.True(o.Succeeded, o.Error);
        Assert.Equal(3, o.ContentChunks);
        Assert.NotNull(o.TimeToFirstTokenMs);
        Assert.Equal(2, o.InterTokenMs.Count); // gaps between the three text chunks; empty chunks are no tokens
        Assert.Equal(5, o.GeneratedTokens);    // the server's count, not the chunks
        Assert.Equal(9, o.PromptTokens);
    }

    [Fact]
    public async Task Without_usage_each_text_chunk_is_a_token()
    {
        var o = await Read(Text("a") + Text("b") + "data: [DONE]\n\n");
        Assert.True(o.Succeeded, o.Error);
        Assert.Equal(2, o.GeneratedTokens);
        Assert.Null(o.PromptTokens);
    }

    [Fact]
    public async Task A_stream_without_done_is_broken()
    {
        var o = await Read(Text("a"));
        Assert.False(o.Succeeded);
        Assert.Contains("[DONE]", o.Error);
    }

    [Fact]
    public async Task An_error_chunk_or_bad_json_fails_the_request()
    {
        var error = await Read(Text("a") + "data: {\"error\":{\"message\":\"slot unavailable\"}}\n\n");
        Assert.Contains("slot unavailable", error.Error);
        var bad = await Read(Text("a") + "data: {not json\n\ndata: [DONE]\n\n");
        Assert.Contains("not JSON", bad.Error);
    }
}
