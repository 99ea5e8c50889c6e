using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Spindle.AI;
using Spindle.Chat.Tools;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Tests.Chat.Tools;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.AI;

public sealed class SpindleChatClientToolTests
{
    /// <summary>
    /// stories260K (q8_0) with a context beyond its 512 training positions: its character-sized tokens make the tools'
    /// description alone ~350 tokens. It writes nonsense either way; the constraint makes the calls valid.
    /// </summary>
    private static Spindle.Generation.SpindleModel LoadModel() => Load(ToolCallProtocolTests.Stories260KQ8, context: 1280);

    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather in Paris?")];

    /// <summary>A C# method as an AIFunction that records the arguments it was called with, as JSON.</summary>
    private sealed class Recorder
    {
        public List<JsonObject> Calls { get; } = [];

        public AIFunction Function => AIFunctionFactory.Create(
            (string city, bool metric) =>
            {
                Calls.Add(new JsonObject { ["city"] = city, ["metric"] = metric });
                return $"It is sunny in {city}.";
            },
            "get_weather", "Gets the weather of a city");
    }

    /// <summary>
    /// FunctionInvokingChatClient over SpindleChatClient with ToolMode RequireSpecific: the first round is constrained to
    /// a call, the function runs with arguments valid under its schema, and FunctionInvokingChatClient drops the required
    /// mode for the next round, in which the model answers in text. MaximumIterationsPerRequest bounds the loop anyway.
    /// </summary>
    [Fact]
    public async Task FunctionInvokingChatClientCallsTheRequiredFunction()
    {
        using var model = LoadModel();
        var recorder = new Recorder();
        var function = recorder.Function;
        using var client = new FunctionInvokingChatClient(new SpindleChatClient(model)) { MaximumIterationsPerRequest = 3 };
        var response = await client.GetResponseAsync(Question, new ChatOptions
        {
            Tools = [function], ToolMode = ChatToolMode.RequireSpecific("get_weather"), MaxOutputTokens = 300, Seed = 7,
        });

        var call = Assert.Single(recorder.Calls);
        var validator = JsonSchemaValidator.Compile(function.JsonSchema);
        using (var args = JsonDocument.Parse(call.ToJsonString())) Assert.True(validator.IsValid(args.RootElement), call.ToJsonString());

        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        var requested = Assert.Single(contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", requested.Name);
        Assert.StartsWith("call_", requested.CallId);
        var result = Assert.Single(contents.OfType<FunctionResultContent>());
        Assert.Equal(requested.CallId, result.CallId);
        Assert.Equal(ChatRole.Assistant, response.Messages[^1].Role);
        Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(response.Messages[^1].Text));

        // Streaming: the call arrives in the final update of the first round, and the loop runs the same way.
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Question, new ChatOptions
        {
            Tools = [function], ToolMode = ChatToolMode.RequireSpecific("get_weather"), MaxOutputTokens = 300, Seed = 7,
        }))
        {
            updates.Add(u);
        }
        Assert.Equal(2, recorder.Calls.Count);
        Assert.Equal(call.ToJsonString(), recorder.Calls[1].ToJsonString());
        Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionResultContent>());
        Assert.Equal(response.Messages[^1].Text, updates.ToChatResponse().Messages[^1].Text);
    }

    [Fact]
    public async Task RequiredCallIsAFunctionCallContentStreamedOrNot()
    {
        using var model = LoadModel();
        IChatClient client = new SpindleChatClient(model);
        var declaration = AIFunctionFactory.CreateDeclaration("get_weather", "Weather of a city",
            JsonDocument.Parse(ToolCallProtocolTests.Weather.Parameters!.ToJsonString()).RootElement.Clone());
        var options = new ChatOptions { Tools = [declaration], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, MaxOutputTokens = 300, Seed = 3 };

        var whole = await client.GetResponseAsync(Question, options);
        Assert.Equal(ChatFinishReason.ToolCalls, whole.FinishReason);
        var call = Assert.Single(whole.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.IsType<JsonElement>(call.Arguments!["city"]);
        Assert.Equal("", whole.Text);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Question, options)) updates.Add(u);
        Assert.Equal("", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        var streamed = Assert.Single(updates[^1].Contents.OfType<FunctionCallContent>());
        Assert.Equal(call.Name, streamed.Name);
        Assert.Equal(JsonSerializer.Serialize(call.Arguments), JsonSerializer.Serialize(streamed.Arguments));
        Assert.Single(updates.ToChatResponse().Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task AutoWithAStoryModelGivesTextAndShowsTheTools()
    {
        using var model = LoadModel();
        IChatClient client = new SpindleChatClient(model);
        var recorder = new Recorder();
        var plain = await client.GetResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 20 });
        var auto = await client.GetResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 20, Tools = [recorder.Function] });
        Assert.NotEqual(ChatFinishReason.ToolCalls, auto.FinishReason);
        Assert.Empty(auto.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.False(string.IsNullOrEmpty(auto.Text));
        // The tools' description (a system message: ChatML has no tool support) lengthens the prompt.
        Assert.True(auto.Usage!.InputTokenCount > plain.Usage!.InputTokenCount + 50);
        var none = await client.GetResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 20, Tools = [recorder.Function], ToolMode = ChatToolMode.None });
        Assert.Equal(plain.Usage.InputTokenCount, none.Usage!.InputTokenCount);
        Assert.Equal(plain.Text, none.Text);
    }

    [Fact]
    public void FunctionCallsAndResultsBecomeTemplateToolMessages()
    {
        var arguments = new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 };
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, [new TextContent("Checking."), new FunctionCallContent("call_a", "get_weather", arguments)]),
            new(ChatRole.Tool, [new FunctionResultContent("call_a", JsonSerializer.SerializeToElement("sunny")), new FunctionResultContent("call_b", 21)]),
        ];
        var converted = ChatMessageMapper.ToSpindle(messages, "Be brief.");
        Assert.Equal(["system", "user", "assistant", "tool", "tool"], converted.Select(m => m.Role));
        Assert.Equal("Checking.", converted[2].Content);
        var call = Assert.Single(converted[2].ToolCalls!);
        Assert.Equal(("get_weather", "call_a"), (call.Name, call.Id));
        Assert.Equal("""{"city":"Paris","days":2}""", call.Arguments!.ToJsonString());
        Assert.Equal(("sunny", "call_a", "get_weather"), (converted[3].Content, converted[3].ToolCallId, converted[3].Name));
        Assert.Equal(("21", "call_b", (string?)null), (converted[4].Content, converted[4].ToolCallId, converted[4].Name));

        var dictionary = ChatMessageMapper.ArgumentsDictionary(JsonNode.Parse("""{"city":"Paris","n":null,"list":[1,2]}"""));
        Assert.Equal("Paris", ((JsonElement)dictionary["city"]!).GetString());
        Assert.Null(dictionary["n"]);
        Assert.Equal(JsonValueKind.Array, ((JsonElement)dictionary["list"]!).ValueKind);
    }

    [Fact]
    public void ChatOptionsMapOntoTheToolProtocol()
    {
        var recorder = new Recorder();
        Assert.Null(ChatOptionsMapper.ToolsOf(null));
        Assert.Null(ChatOptionsMapper.ToolsOf(new ChatOptions()));
        var auto = ChatOptionsMapper.ToolsOf(new ChatOptions { Tools = [recorder.Function, new HostedWebSearchTool()] })!;
        Assert.Equal(ToolChoice.Auto, auto.Choice);
        Assert.True(auto.ParallelToolCalls);
        Assert.Equal("get_weather", auto.Tools.Single().Name);
        Assert.Equal("Gets the weather of a city", auto.Tools.Single().Description);
        Assert.Equal("object", (string?)auto.Tools.Single().Parameters!["type"]);
        Assert.Equal(ToolChoice.None, ChatOptionsMapper.ToolsOf(new ChatOptions { Tools = [recorder.Function], ToolMode = ChatToolMode.None })!.Choice);
        var any = ChatOptionsMapper.ToolsOf(new ChatOptions { Tools = [recorder.Function], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false })!;
        Assert.Equal(ToolChoice.Required, any.Choice);
        Assert.False(any.ParallelToolCalls);
        Assert.Equal(ToolChoice.Named("get_weather"), ChatOptionsMapper.ToolsOf(new ChatOptions { Tools = [recorder.Function], ToolMode = ChatToolMode.RequireSpecific("get_weather") })!.Choice);
        Assert.Throws<ArgumentException>(() => ChatOptionsMapper.ToolsOf(new ChatOptions { Tools = [recorder.Function], ToolMode = ChatToolMode.RequireSpecific("other") }));
        Assert.Throws<ArgumentException>(() => ChatOptionsMapper.ToolsOf(new ChatOptions { ToolMode = ChatToolMode.RequireAny }));
    }
}
