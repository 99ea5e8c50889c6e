using System.Text.Json;
using System.Text.Json.Nodes;
using Spindle.Chat;
using Spindle.Chat.Tools;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Generation;

namespace Spindle.Tests.Chat.Tools;

public sealed class ToolCallProtocolTests
{
    internal static ToolDefinition Weather => new("get_weather", "Weather of a city",
        Obj("""{"type":"object","properties":{"city":{"type":"string"},"unit":{"enum":["c","f"]}},"required":["city"],"additionalProperties":false}"""));

    internal static ToolDefinition NoParameters => new("now", null, null);

    /// <summary>Local $refs: a $defs entry and the parameters schema itself ("#"), which must still resolve once embedded.</summary>
    internal static ToolDefinition Shapes => new("draw", "Draws shapes", Obj("""
        {"type":"object","properties":{"at":{"$ref":"#/$defs/point"},"children":{"type":"array","maxItems":2,"items":{"$ref":"#"}}},
         "required":["at"],"additionalProperties":false,
         "$defs":{"point":{"type":"object","properties":{"x":{"type":"integer","minimum":0,"maximum":9},"y":{"type":"integer","minimum":0,"maximum":9}},"required":["x","y"],"additionalProperties":false}}}
        """));

    internal static ToolDefinition Tags => new("tag", "Tags an item", Obj("""
        {"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":8},"minItems":1,"maxItems":3},"score":{"type":"number"},"ok":{"type":"boolean"}},"required":["tags","ok"]}
        """));

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void ConstructorRejectsBadToolsAndChoices()
    {
        Assert.Contains("empty name", Assert.Throws<ArgumentException>(() => new ToolCallProtocol([new ToolDefinition("", null, null)], ToolChoice.Auto)).Message);
        Assert.Contains("two tools are named 'now'", Assert.Throws<ArgumentException>(() => new ToolCallProtocol([NoParameters, NoParameters], ToolChoice.Auto)).Message);
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => new ToolCallProtocol([Weather], ToolChoice.Named("nope"))).Message);
        Assert.Contains("at least one tool", Assert.Throws<ArgumentException>(() => new ToolCallProtocol([], ToolChoice.Required)).Message);
        Assert.Throws<ArgumentException>(() => ToolChoice.Named(""));
        _ = new ToolCallProtocol([], ToolChoice.Auto);
    }

    [Fact]
    public void TemplateToolsHaveTheOpenAiShape()
    {
        var protocol = new ToolCallProtocol([Weather, NoParameters], ToolChoice.Auto);
        Assert.Equal(2, protocol.TemplateTools.Count);
        var first = protocol.TemplateTools[0]!;
        Assert.Equal("function", (string?)first["type"]);
        Assert.Equal("get_weather", (string?)first["function"]!["name"]);
        Assert.Equal("Weather of a city", (string?)first["function"]!["description"]);
        Assert.True(JsonNode.DeepEquals(Weather.Parameters, first["function"]!["parameters"]));
        Assert.Equal("""{"type":"object"}""", protocol.TemplateTools[1]!["function"]!["parameters"]!.ToJsonString());
        Assert.False(protocol.TemplateTools[1]!["function"]!.AsObject().ContainsKey("description"));
        Assert.Same(protocol.TemplateTools, protocol.TemplateToolsVariable);
        Assert.Null(new ToolCallProtocol([Weather], ToolChoice.None).TemplateToolsVariable);
        // Round trip through the OpenAI request shape.
        Assert.Equal(Weather.Name, ToolDefinition.FromJson(first.AsObject()).Name);
        Assert.True(JsonNode.DeepEquals(Weather.Parameters, ToolDefinition.FromJson(first.AsObject()).Parameters));
    }

    [Fact]
    public void ToolChoiceReadsOpenAiValues()
    {
        Assert.Equal(ToolChoice.Auto, ToolChoice.FromJson(null));
        Assert.Equal(ToolChoice.None, ToolChoice.FromJson(JsonValue.Create("none")));
        Assert.Equal(ToolChoice.Required, ToolChoice.FromJson(JsonValue.Create("required")));
        Assert.Equal(ToolChoice.Named("f"), ToolChoice.FromJson(Obj("""{"type":"function","function":{"name":"f"}}""")));
        Assert.Throws<FormatException>(() => ToolChoice.FromJson(JsonValue.Create("always")));
    }

    [Fact]
    public void NoConstraintForAutoAndNone()
    {
        Assert.Null(new ToolCallProtocol([Weather], ToolChoice.Auto).Constraint);
        Assert.Null(new ToolCallProtocol([Weather], ToolChoice.None).Constraint);
        var options = new GenerationOptions { Constraint = ConstraintSpec.Regex("x") };
        Assert.Same(options, new ToolCallProtocol([Weather], ToolChoice.Auto).ApplyTo(options));
        var required = new ToolCallProtocol([Weather], ToolChoice.Required);
        Assert.Same(required.Constraint, required.ApplyTo(options).Constraint);
    }

    public static TheoryData<string, bool> Choices => new()
    {
        { "required", true }, { "required", false }, { "named", true }, { "named", false },
    };

    /// <summary>
    /// For several tool sets, the schema compiles and the validator agrees with its intent: a call of a tool with valid
    /// arguments passes; a wrong name, bad arguments or an extra key do not; the array form for parallel calls.
    /// </summary>
    [Theory]
    [MemberData(nameof(Choices))]
    public void ConstraintSchemaCompilesAndValidatesCalls(string mode, bool parallel)
    {
        ToolDefinition[] tools = [Weather, NoParameters, Shapes, Tags];
        var choice = mode == "named" ? ToolChoice.Named("draw") : ToolChoice.Required;
        var protocol = new ToolCallProtocol(tools, choice, parallel);
        var spec = protocol.Constraint!;
        Assert.Equal(ConstraintKind.JsonSchema, spec.Kind);
        _ = spec.Compile(new GrammarCache());
        var validator = JsonSchemaValidator.Compile(spec.Source);
        bool array = parallel && mode == "required";
        string Wrap(string call) => array ? $"[{call}]" : call;
        bool Valid(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return validator.IsValid(doc.RootElement);
        }

        const string draw = """{"name":"draw","arguments":{"at":{"x":1,"y":2},"children":[{"at":{"x":3,"y":4}}]}}""";
        Assert.True(Valid(Wrap(draw)));
        Assert.False(Valid(Wrap("""{"name":"draw","arguments":{"at":{"x":1}}}""")));
        Assert.False(Valid(Wrap("""{"name":"draw","arguments":{"at":{"x":1,"y":2},"children":[{"at":{"x":30,"y":4}}]}}""")));
        Assert.False(Valid(Wrap("""{"name":"draw","arguments":{"at":{"x":1,"y":2}},"extra":1}""")));
        Assert.False(Valid(Wrap("""{"name":"nope","arguments":{}}""")));
        const string weather = """{"name":"get_weather","arguments":{"city":"Paris"}}""";
        Assert.Equal(mode == "required", Valid(Wrap(weather)));
        // Narrowed as llama.cpp narrows: a tool without parameters takes {}, declared properties allow no others.
        Assert.Equal(mode == "required", Valid(Wrap("""{"name":"now","arguments":{}}""")));
        Assert.False(Valid(Wrap("""{"name":"now","arguments":{"anything":[1]}}""")));
        Assert.False(Valid(Wrap("""{"name":"tag","arguments":{"tags":["a"],"ok":true,"extra":1}}""")));
        Assert.False(Valid(Wrap("""{"name":"get_weather","arguments":{"city":"Paris","unit":"k"}}""")));
        Assert.Equal(mode == "required", Valid(Wrap("""{"name":"tag","arguments":{"tags":["a"],"ok":true,"score":1.5}}""")));
        Assert.False(Valid(Wrap("""{"name":"tag","arguments":{"tags":[],"ok":true}}""")));
        if (array)
        {
            Assert.True(Valid($"[{weather},{draw}]"));
            Assert.False(new ToolCallProtocol(tools, choice, parallel, maxParallelCalls: 1).Constraint!.Source == spec.Source);
            Assert.False(Valid("[]"));
            Assert.False(Valid(weather));
        }
        else
        {
            Assert.False(Valid($"[{draw}]"));
        }
    }

    /// <summary>The compiled grammar (not only the validator) accepts a call and rejects a wrong one, token by token.</summary>
    [Fact]
    public void GrammarAcceptsCallsWithRefs()
    {
        using var model = Generation.GenerationTestModels.Load(Stories260KQ8);
        var protocol = new ToolCallProtocol([Weather, Shapes], ToolChoice.Required, parallelToolCalls: true);
        bool Accepts(string text)
        {
            var matcher = model.CreateMatcher(protocol.Constraint!);
            return matcher.TryAcceptBytes(System.Text.Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
        }
        Assert.True(Accepts("""[{"name":"draw","arguments":{"at":{"x":1,"y":2},"children":[{"at":{"x":3,"y":4},"children":[]}]}},{"name":"get_weather","arguments":{"city":"Oslo"}}]"""));
        // Schema order: "name" before "arguments", so a stream can announce each call before its arguments.
        Assert.False(Accepts("""[{"arguments":{"city":"Oslo"},"name":"get_weather"}]"""));
        Assert.False(Accepts("""[{"name":"draw","arguments":{"at":{"x":1}}}]"""));
        Assert.False(Accepts("""[{"name":"get_weather","arguments":{"at":{"x":1,"y":2}}}]"""));
        Assert.False(Accepts("""{"name":"get_weather","arguments":{"city":"Oslo"}}"""));
    }

    internal static string Stories260KQ8 => SharedData.PathOf("models", "stories260K", "stories260K.q8_0.gguf");

    /// <summary>
    /// stories260K (a tiny story model: the content is nonsense) under the constraint, several seeds and every choice
    /// shape: the reply always parses into calls whose arguments validate against the named tool's parameters.
    /// </summary>
    [Theory]
    [MemberData(nameof(Choices))]
    public void ConstrainedOutputOfARealModelParsesAndValidates(string mode, bool parallel)
    {
        bool array = parallel && mode == "required";
        using var model = Generation.GenerationTestModels.Load(Stories260KQ8);
        ToolDefinition[] tools = [Weather, Shapes, Tags, NoParameters];
        // This model never writes ']' while ',' is allowed: an array of calls ends only at its bound.
        var protocol = new ToolCallProtocol(tools, mode == "named" ? ToolChoice.Named("get_weather") : ToolChoice.Required, parallel, maxParallelCalls: 3);
        var validators = tools.ToDictionary(t => t.Name, t => JsonSchemaValidator.Compile((t.Parameters ?? Obj("""{"type":"object"}""")).ToJsonString()));
        // The tools' description would fill most of this model's 512-token context: the prompt leaves it out.
        int[] prompt = model.EncodeChat([ChatMessage.User("Call a tool.")]);
        for (int seed = 1; seed <= 3; seed++)
        {
            var options = protocol.ApplyTo(new GenerationOptions { MaxTokens = 480, Seed = (ulong)seed });
            var chunks = Generation.GenerationTestModels.Collect(model.GenerateAsync(prompt, options));
            string text = string.Concat(chunks.Select(c => c.Text));
            Assert.True(chunks[^1].FinishReason == FinishReason.EndOfGeneration, $"{chunks[^1].FinishReason}: {text}");
            var parsed = protocol.Parse(text);
            Assert.True(parsed.HasToolCalls, text);
            Assert.Equal("", parsed.Content);
            Assert.InRange(parsed.ToolCalls.Count, 1, array ? 3 : 1);
            foreach (var call in parsed.ToolCalls)
            {
                if (mode == "named") Assert.Equal("get_weather", call.Name);
                Assert.StartsWith("call_", call.Id);
                using var args = JsonDocument.Parse(call.Arguments!.ToJsonString());
                Assert.True(validators[call.Name].IsValid(args.RootElement), text);
            }
        }
    }

    [Fact]
    public void ParseReadsToolCallBlocks()
    {
        var protocol = new ToolCallProtocol([Weather, NoParameters], ToolChoice.Auto);
        var parsed = protocol.Parse("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>{\"name\":\"now\"}</tool_call>");
        Assert.Equal("Let me check.", parsed.Content);
        Assert.Equal(["get_weather", "now"], parsed.ToolCalls.Select(c => c.Name));
        Assert.Equal("""{"city":"Paris"}""", parsed.ToolCalls[0].Arguments!.ToJsonString());
        Assert.Equal("{}", parsed.ToolCalls[1].Arguments!.ToJsonString());
        Assert.NotEqual(parsed.ToolCalls[0].Id, parsed.ToolCalls[1].Id);
        Assert.Matches("^call_[A-Za-z0-9]{24}$", parsed.ToolCalls[0].Id!);

        // Arguments as an encoded string, an unclosed last block, an array in one block.
        parsed = protocol.Parse("<tool_call>{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}");
        Assert.Equal("""{"city":"Rome"}""", parsed.ToolCalls.Single().Arguments!.ToJsonString());
        parsed = protocol.Parse("<tool_call>[{\"name\":\"now\",\"arguments\":{}},{\"name\":\"now\",\"arguments\":{}}]</tool_call>");
        Assert.Equal(2, parsed.ToolCalls.Count);

        // A block that is no call stays text; an unknown name inside tags is still a call (the caller answers it).
        parsed = protocol.Parse("a <tool_call>not json</tool_call> b");
        Assert.False(parsed.HasToolCalls);
        Assert.Equal("a <tool_call>not json</tool_call> b", parsed.Content);
        Assert.Equal("other", protocol.Parse("<tool_call>{\"name\":\"other\",\"arguments\":{}}</tool_call>").ToolCalls.Single().Name);
    }

    [Fact]
    public void ParseReadsAWholeReplyOfCallJsonNamingKnownTools()
    {
        var protocol = new ToolCallProtocol([Weather], ToolChoice.Auto);
        Assert.Equal("Oslo", (string?)protocol.Parse(" {\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}} ").ToolCalls.Single().Arguments!["city"]);
        Assert.Single(protocol.Parse("{\"name\":\"get_weather\",\"parameters\":{\"city\":\"Oslo\"}}").ToolCalls);
        Assert.Equal(2, protocol.Parse("[TOOL_CALLS][{\"name\":\"get_weather\",\"arguments\":{}},{\"name\":\"get_weather\",\"arguments\":{}}]").ToolCalls.Count);
        // Not calls: an unknown name, another key, no arguments, plain JSON, plain text.
        foreach (string text in new[]
        {
            "{\"name\":\"other\",\"arguments\":{}}", "{\"name\":\"get_weather\",\"arguments\":{},\"x\":1}", "{\"name\":\"get_weather\"}",
            "{\"city\":\"Oslo\"}", "[]", "Once upon a time", "{\"name\":\"get_weather\",\"arguments\":{},\"name\":\"x\"}",
        })
        {
            var parsed = protocol.Parse(text);
            Assert.False(parsed.HasToolCalls, text);
            Assert.Equal(text, parsed.Content);
        }
        Assert.False(new ToolCallProtocol([Weather], ToolChoice.None).Parse("<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>").HasToolCalls);
    }

    [Fact]
    public void PlainTemplateGetsToolsInASystemMessageAndHistoryAsText()
    {
        var protocol = new ToolCallProtocol([Weather], ToolChoice.Auto);
        ChatMessage[] messages =
        [
            ChatMessage.User("Weather in Paris?"),
            new ChatMessage("assistant", "") { ToolCalls = [new ChatToolCall("get_weather", Obj("""{"city":"Paris"}"""), "call_1")] },
            new ChatMessage("tool", "{\"temp\": 21}") { ToolCallId = "call_1", Name = "get_weather" },
        ];
        var chatml = ChatTemplate.ChatML;
        Assert.False(chatml.MentionsTools);
        Assert.True(chatml.RendersSystemMessages);
        var prepared = protocol.PrepareMessages(messages, chatml);
        Assert.Equal(["system", "user", "assistant", "user"], prepared.Select(m => m.Role));
        Assert.Equal(protocol.Instructions, prepared[0].Content);
        Assert.Contains("<tool_call>", protocol.Instructions);
        Assert.Contains(Weather.ToJson().ToJsonString(), protocol.Instructions);
        Assert.Equal("<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>", prepared[2].Content);
        Assert.Equal("<tool_response>\n{\"temp\": 21}\n</tool_response>", prepared[3].Content);

        // An existing system message gets the instructions appended.
        var withSystem = protocol.PrepareMessages([ChatMessage.System("Be brief."), ChatMessage.User("Hi")], chatml);
        Assert.Equal("Be brief.\n\n" + protocol.Instructions, withSystem[0].Content);

        // Gemma rejects a system message: the instructions go before the first user message, and the turns alternate.
        var gemma = ChatTemplate.Parse(File.ReadAllText(SharedData.PathOf("chat-templates", "google-gemma-2-2b-it.jinja")));
        Assert.False(gemma.RendersSystemMessages);
        var forGemma = protocol.PrepareMessages(messages, gemma);
        Assert.Equal(["user", "assistant", "user"], forGemma.Select(m => m.Role));
        Assert.StartsWith(protocol.Instructions, forGemma[0].Content);
        string rendered = gemma.Render(forGemma, new ChatTemplateOptions { AddGenerationPrompt = true });
        Assert.Contains("<tool_response>", rendered);

        // Required / Named tell the model to reply with the bare JSON the constraint allows.
        Assert.Contains("JSON array", new ToolCallProtocol([Weather], ToolChoice.Required).Instructions);
        Assert.Contains("\"get_weather\"", new ToolCallProtocol([Weather], ToolChoice.Named("get_weather"), false).Instructions);
        // None: no instructions, but the history is still text.
        var none = new ToolCallProtocol([Weather], ToolChoice.None).PrepareMessages(messages, chatml);
        Assert.Equal(["user", "assistant", "user"], none.Select(m => m.Role));
    }

    [Fact]
    public void TemplateWithToolSupportGetsTheToolsVariableAndMessagesAsTheyAre()
    {
        var qwen = ChatTemplate.Parse(File.ReadAllText(SharedData.PathOf("chat-templates", "Qwen-Qwen2.5-7B-Instruct.jinja")));
        Assert.True(qwen.MentionsTools);
        var protocol = new ToolCallProtocol([Weather], ToolChoice.Auto);
        ChatMessage[] messages = [ChatMessage.User("Weather in Paris?")];
        Assert.Same(messages, protocol.PrepareMessages(messages, qwen));
        string rendered = qwen.Render(messages, new ChatTemplateOptions { AddGenerationPrompt = true, Tools = protocol.TemplateToolsVariable });
        Assert.Contains("\"get_weather\"", rendered);
        Assert.Contains("<tools>", rendered);
    }

    [Fact]
    public void EncodeChatWithToolsRendersThePreparedMessages()
    {
        using var model = Generation.GenerationTestModels.Load(Stories260KQ8);
        var protocol = new ToolCallProtocol([Weather], ToolChoice.Auto);
        ChatMessage[] messages = [ChatMessage.User("Hi")];
        string expected = model.RenderChat(protocol.PrepareMessages(messages, model.ChatTemplate), protocol.TemplateToolsVariable);
        Assert.Contains("<tools>", expected);
        Assert.Equal(model.Tokenizer.Encode(expected, true, true), model.EncodeChat(messages, protocol));
        Assert.Equal(model.EncodeChat(messages), model.EncodeChat(messages, (ToolCallProtocol?)null));
    }
}
