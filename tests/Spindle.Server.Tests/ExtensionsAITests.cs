using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Spindle.AI;
using Spindle.Generation;

namespace Spindle.Server.Tests;

/// <summary>
/// Microsoft.Extensions.AI over HTTP (the OpenAI library's IChatClient adapter pointed at the server) and in process
/// (Spindle's own IChatClient): the same scenarios pass through both.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ExtensionsAITests(ServerFixture fixture)
{
    private const string Model = "stories260K.q8_0";

    public static TheoryData<string> Clients => ["http", "in-process"];

    private IChatClient Create(string kind, out IDisposable? owned)
    {
        if (kind == "http")
        {
            owned = null;
            return fixture.Server.OpenAI().GetChatClient(Model).AsIChatClient();
        }
        var model = SpindleModel.Load(SharedModels.Stories260K, new SpindleModelOptions { ThreadCount = 1, ContextLength = 1024 });
        owned = model;
        return new SpindleChatClient(model, modelId: Model);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task ChatAndStreamingAgree(string kind)
    {
        using var client = Create(kind, out var owned);
        using var _ = owned;
        var options = new ChatOptions { MaxOutputTokens = 20, Temperature = 0 };
        var response = await client.GetResponseAsync("Once upon a time", options);
        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(20, response.Usage!.OutputTokenCount);
        var streamed = new System.Text.StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", options)) streamed.Append(update.Text);
        Assert.Equal(response.Text, streamed.ToString());
    }

    public sealed record Pet(string Name, int Legs, bool Friendly);

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task StructuredOutputDeserializes(string kind)
    {
        using var client = Create(kind, out var owned);
        using var _ = owned;
        var schema = JsonDocument.Parse("""
            {"type":"object","properties":{"Name":{"type":"string","maxLength":10},"Legs":{"type":"integer","minimum":0,"maximum":8},"Friendly":{"type":"boolean"}},
             "required":["Name","Legs","Friendly"],"additionalProperties":false}
            """).RootElement;
        // Room for a name of the engine's longest string (128 chars): the OpenAI adapter's strict-mode schema leaves out
        // maxLength, minimum and maximum (OpenAI's strict mode did not accept them), so only the in-process client keeps them.
        var options = new ChatOptions { MaxOutputTokens = 300, Temperature = 0, ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "pet") };
        var response = await client.GetResponseAsync("Describe a pet.", options);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var pet = JsonSerializer.Deserialize(response.Text, PetJson.Default.Pet)!;
        if (kind == "in-process")
        {
            Assert.True(pet.Name.Length <= 10);
            Assert.InRange(pet.Legs, 0, 8);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task FunctionInvokingChatClientCallsTheTool(string kind)
    {
        using var inner = Create(kind, out var owned);
        using var _ = owned;
        var calls = new List<(string City, string Unit)>();
        var tool = AIFunctionFactory.Create(
            ([Description("city name")] string city, [Description("celsius or fahrenheit")] string unit) =>
            {
                lock (calls) calls.Add((city, unit));
                return $"It is sunny in {city}.";
            },
            "get_weather", "The weather in a city");
        using var client = new ChatClientBuilder(inner).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2).Build();
        var options = new ChatOptions { MaxOutputTokens = 300, Temperature = 0, Tools = [tool], ToolMode = ChatToolMode.RequireSpecific("get_weather") };
        var response = await client.GetResponseAsync("What is the weather in Paris?", options);
        Assert.NotEmpty(calls);
        Assert.All(calls, c => Assert.NotNull(c.City));
        // The conversation holds the call and its result, as FunctionInvokingChatClient records them.
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionCallContent>().Any(c => c.Name == "get_weather"));
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionResultContent>().Any());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ExtensionsAITests.Pet))]
internal sealed partial class PetJson : System.Text.Json.Serialization.JsonSerializerContext;
