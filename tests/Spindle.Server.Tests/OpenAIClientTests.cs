using System.ClientModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Spindle.Server.Tests;

/// <summary>The official OpenAI .NET library against a real Spindle server on 127.0.0.1.</summary>
[Collection(ServerCollection.Name)]
public sealed class OpenAIClientTests(ServerFixture fixture)
{
    private readonly TestServer _server = fixture.Server;

    private ChatClient Chat(string model = "stories260K.q8_0") => _server.OpenAI().GetChatClient(model);

    [Fact]
    public async Task ChatCompletionHasTextUsageAndFinishReason()
    {
        var completion = (await Chat().CompleteChatAsync(
            [new SystemChatMessage("You tell stories."), new UserChatMessage("Once upon a time")],
            new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0 })).Value;
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(24, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);
        Assert.Equal(completion.Usage.InputTokenCount + 24, completion.Usage.TotalTokenCount);
        Assert.Equal("stories260K.q8_0", completion.Model);
    }

    [Fact]
    public async Task StreamingDeliversTheSameTextWithUsageAndCachedTokens()
    {
        var messages = new List<ChatMessage> { new UserChatMessage("Lily had a cat. The cat liked to play with a ball of yarn every day.") };
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 30, Temperature = 0 };
        string whole = (await Chat().CompleteChatAsync(messages, options)).Value.Content[0].Text;

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (var update in Chat().CompleteChatStreamingAsync(messages, options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.True(updates > 10, "the reply arrived in many events");
        Assert.Equal(whole, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(30, usage!.OutputTokenCount);
        // The same prompt a second time: its full blocks come from the prefix cache.
        Assert.True(usage.InputTokenDetails.CachedTokenCount >= 32, $"cached {usage.InputTokenDetails.CachedTokenCount} of {usage.InputTokenCount}");
    }

    [Fact]
    public async Task SeededSamplingIsReproducible()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 30, Temperature = 1, Seed = 1234 };
        List<ChatMessage> messages = [new UserChatMessage("Tom went to the park")];
        var a = (await Chat().CompleteChatAsync(messages, options)).Value.Content[0].Text;
        var b = (await Chat().CompleteChatAsync(messages, options)).Value.Content[0].Text;
        var c = (await Chat().CompleteChatAsync(messages, new ChatCompletionOptions { MaxOutputTokenCount = 30, Temperature = 1, Seed = 99 })).Value.Content[0].Text;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task JsonSchemaOutputValidates()
    {
        const string schema = """
            {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":1,"maximum":99},
             "happy":{"type":"boolean"},"pet":{"enum":["cat","dog","bird"]}},"required":["name","age","happy","pet"],"additionalProperties":false}
            """;
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 120, Temperature = 0.7f, Seed = 3,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(schema), jsonSchemaIsStrict: true),
        };
        var completion = (await Chat().CompleteChatAsync([new UserChatMessage("Describe a child.")], options)).Value;
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        var obj = JsonNode.Parse(completion.Content[0].Text)!.AsObject();
        Assert.Equal(["age", "happy", "name", "pet"], obj.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.True(obj["name"]!.GetValue<string>().Length <= 12);
        Assert.InRange(obj["age"]!.GetValue<int>(), 1, 99);
        Assert.Contains(obj["pet"]!.GetValue<string>(), new[] { "cat", "dog", "bird" });
        _ = obj["happy"]!.GetValue<bool>();
    }

    private static readonly string WeatherParameters = """
        {"type":"object","properties":{"city":{"type":"string","maxLength":16},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city","unit"],"additionalProperties":false}
        """;

    private static ChatTool Weather() => ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString(WeatherParameters));

    private static ChatTool Time() => ChatTool.CreateFunctionTool("get_time", "The time in a time zone",
        BinaryData.FromString("""{"type":"object","properties":{"zone":{"type":"string","maxLength":10}},"required":["zone"]}"""));

    private static void AssertWeatherArguments(BinaryData arguments)
    {
        var args = JsonNode.Parse(arguments.ToString())!.AsObject();
        Assert.True(args["city"]!.GetValue<string>().Length <= 16);
        Assert.Contains(args["unit"]!.GetValue<string>(), new[] { "celsius", "fahrenheit" });
    }

    [Fact]
    public async Task NamedToolCallHasArgumentsThatValidate()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 100, Temperature = 0, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather") };
        options.Tools.Add(Weather());
        options.Tools.Add(Time());
        var completion = (await Chat().CompleteChatAsync([new UserChatMessage("What is the weather in Paris?")], options)).Value;
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id);
        AssertWeatherArguments(call.FunctionArguments);
    }

    [Fact]
    public async Task RequiredToolCallStreamsAsDeltas()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 120, Temperature = 0, ToolChoice = ChatToolChoice.CreateRequiredChoice(), AllowParallelToolCalls = false };
        options.Tools.Add(Weather());
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        int argumentUpdates = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Weather in Rome?")], options))
        {
            foreach (var delta in update.ToolCallUpdates)
            {
                if (delta.FunctionName is { } name) names[delta.Index] = name;
                if (!arguments.TryGetValue(delta.Index, out var sb)) arguments[delta.Index] = sb = new StringBuilder();
                if (delta.FunctionArgumentsUpdate is { } a && !a.ToMemory().IsEmpty)
                {
                    sb.Append(a.ToString());
                    argumentUpdates++;
                }
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal("get_weather", Assert.Single(names).Value);
        Assert.True(argumentUpdates > 3, $"the arguments arrived in {argumentUpdates} pieces");
        AssertWeatherArguments(BinaryData.FromString(arguments[0].ToString()));
    }

    [Fact]
    public async Task LogprobsListEachTokenWithAlternatives()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        var completion = (await Chat().CompleteChatAsync([new UserChatMessage("The dog")], options)).Value;
        Assert.Equal(10, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 5);
            Assert.Equal(token.Token, Encoding.UTF8.GetString(token.Utf8Bytes!.Value.Span));
        }
        Assert.Equal(completion.Content[0].Text, string.Concat(completion.ContentTokenLogProbabilities.Select(t => t.Token)));
    }

    [Fact]
    public async Task TwoChoicesShareOnePrompt()
    {
        // n is not a typed option of the library: the protocol method sends the body as given.
        var body = """{"model":"stories260K.q8_0","messages":[{"role":"user","content":"A bird sang"}],"n":2,"max_tokens":20,"temperature":1,"seed":5}""";
        var result = await Chat().CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(body)));
        var json = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        var choices = json["choices"]!.AsArray();
        Assert.Equal(2, choices.Count);
        Assert.Equal(0, choices[0]!["index"]!.GetValue<int>());
        Assert.Equal(1, choices[1]!["index"]!.GetValue<int>());
        Assert.NotEqual(choices[0]!["message"]!["content"]!.GetValue<string>(), choices[1]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(40, json["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task LegacyCompletionsAnswerTheLegacyClient()
    {
        // The library keeps its legacy completion client internal; its pipeline (authentication included) sends the request.
        var pipeline = _server.OpenAI().Pipeline;
        using var message = pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(_server.BaseAddress, "/v1/completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Content = BinaryContent.Create(BinaryData.FromString(
            """{"model":"tinystories-656K.q8_0","prompt":"Once upon a time","max_tokens":16,"temperature":0,"logprobs":2}"""));
        await pipeline.SendAsync(message);
        Assert.Equal(200, message.Response!.Status);
        var result = ClientResult.FromResponse(message.Response);
        var json = JsonNode.Parse(result.GetRawResponse().Content.ToString())!;
        Assert.Equal("text_completion", json["object"]!.GetValue<string>());
        var choice = json["choices"]![0]!;
        Assert.False(string.IsNullOrEmpty(choice["text"]!.GetValue<string>()));
        Assert.Equal(16, choice["logprobs"]!["tokens"]!.AsArray().Count);
        Assert.Equal(16, json["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task EmbeddingsAreUnitVectorsThatTellTextsApart()
    {
        var client = _server.OpenAI().GetEmbeddingClient("stories260K.q8_0");
        var result = (await client.GenerateEmbeddingsAsync(["The cat sat.", "The cat sat.", "A big red truck drove away fast."])).Value;
        Assert.Equal(3, result.Count);
        var a = result[0].ToFloats().ToArray();
        var b = result[1].ToFloats().ToArray();
        var c = result[2].ToFloats().ToArray();
        Assert.Equal(64, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(result.Usage.InputTokenCount > 10);

        var cut = (await client.GenerateEmbeddingAsync("The cat sat.", new EmbeddingGenerationOptions { Dimensions = 16 })).Value.ToFloats().ToArray();
        Assert.Equal(16, cut.Length);
        Assert.Equal(1.0, Math.Sqrt(cut.Sum(x => (double)x * x)), 4);
    }

    [Fact]
    public async Task ErrorsHaveTheOpenAIEnvelopeAndStatus()
    {
        var bad = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 3 }));
        Assert.Equal(400, bad.Status);
        AssertEnvelope(bad, "temperature");

        var schema = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("x", BinaryData.FromString("""{"type":"object","properties":{"a":{"type":"string","pattern":"(unclosed"}}}""")),
        }));
        Assert.Equal(400, schema.Status);
        AssertEnvelope(schema, "response_format.json_schema.schema");

        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() =>
            _server.OpenAI("wrong").GetChatClient("stories260K.q8_0").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, unauthorized.Status);

        var missing = await Assert.ThrowsAsync<ClientResultException>(() => Chat("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, missing.Status);
        AssertEnvelope(missing, "model");

        var tooLong = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat().CompleteChatAsync([new UserChatMessage(string.Join(' ', Enumerable.Repeat("Lily saw a big dog in the park.", 200)))]));
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("context_length_exceeded", tooLong.GetRawResponse()!.Content.ToString());
    }

    private static void AssertEnvelope(ClientResultException e, string param)
    {
        var error = JsonNode.Parse(e.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
    }
}
