using System.Text.Json;
using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

public class StreamChunkTests
{
    [Fact]
    public void Completion_text_and_chat_delta_content_are_the_text()
    {
        Assert.Equal(" Once", StreamChunk.Parse("""{"choices":[{"text":" Once","index":0,"finish_reason":null}]}""").Text);
        Assert.Equal("Hi", StreamChunk.Parse("""{"choices":[{"index":0,"delta":{"content":"Hi"}}]}""").Text);
        var roleOnly = StreamChunk.Parse("""{"choices":[{"index":0,"delta":{"role":"assistant"}}]}""");
        Assert.False(roleOnly.HasText);
        Assert.False(StreamChunk.Parse("""{"choices":[{"text":"","finish_reason":"length"}]}""").HasText);
        Assert.False(StreamChunk.Parse("""{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}""").HasText);
    }

    [Fact]
    public void Usage_gives_token_counts_and_openai_cached_tokens()
    {
        var c = StreamChunk.Parse("""
            {"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":32,"prompt_tokens_details":{"cached_tokens":96}},
             "timings":{"prompt_n":1,"cache_n":5}}
            """);
        Assert.Equal(120, c.PromptTokens);
        Assert.Equal(32, c.CompletionTokens);
        Assert.Equal(96, c.CachedTokens); // OpenAI's field wins over llama-server's timings
    }

    [Fact]
    public void Llama_server_timings_give_cached_tokens_when_usage_does_not()
    {
        // What llama-server build 4748 sends last (checked against the binary): prompt_n only, no cache_n.
        var b4748 = StreamChunk.Parse("""
            {"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],"object":"text_completion",
             "usage":{"completion_tokens":2,"prompt_tokens":18,"total_tokens":20},
             "timings":{"prompt_n":1,"prompt_ms":7.8,"predicted_n":2,"predicted_ms":7.8}}
            """);
        Assert.Equal(17, b4748.CachedTokens);
        var newer = StreamChunk.Parse("""{"choices":[],"usage":{"completion_tokens":2,"prompt_tokens":18},"timings":{"cache_n":12,"prompt_n":6}}""");
        Assert.Equal(12, newer.CachedTokens);
        Assert.Null(StreamChunk.Parse("""{"choices":[],"usage":{"completion_tokens":2,"prompt_tokens":18}}""").CachedTokens);
    }

    [Fact]
    public void Error_objects_and_strings_are_errors()
    {
        Assert.Equal("context full", StreamChunk.Parse("""{"error":{"code":500,"message":"context full","type":"server_error"}}""").Error);
        Assert.Equal("boom", StreamChunk.Parse("""{"error":"boom"}""").Error);
    }

    [Fact]
    public void Data_that_is_not_a_json_object_throws()
    {
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("{\"choices\":"));
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("[1,2]"));
    }
}
