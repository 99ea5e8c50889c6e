using System.Text.Json.Nodes;
using Spindle.Chat;

namespace Spindle.Tests.Chat;

public class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
        [ChatMessage.System("Be brief."), ChatMessage.User("Hi"), ChatMessage.Assistant("Hello!"), ChatMessage.User("Bye")];

    [Fact]
    public void ChatMLFallbackRendersEveryTurnAndTheGenerationPrompt()
    {
        string text = ChatTemplate.ParseOrDefault(null).Render(Conversation, new ChatTemplateOptions { AddGenerationPrompt = true, BosToken = "<s>" });
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n" +
            "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void ChatMLFallbackWithoutGenerationPromptAndWithNullContent()
    {
        string text = ChatTemplate.ChatML.Render([ChatMessage.User("Q"), ChatMessage.Assistant(null)]);
        Assert.Equal("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n", text);
        Assert.Same(ChatTemplate.ChatML, ChatTemplate.ParseOrDefault(""));
    }

    [Fact]
    public void SyntaxErrorsBecomeChatTemplateExceptionsWithPosition()
    {
        var ex = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("ok\n  {% if x %}never closed"));
        Assert.Equal(2, ex.Line);
        Assert.False(ex.RaisedByTemplate);
        Assert.Contains("'elif' or 'else' or 'endif'", ex.Message);
    }

    [Fact]
    public void RaiseExceptionKeepsTheTemplatesMessage()
    {
        var t = ChatTemplate.Parse("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}");
        var ex = Assert.Throws<ChatTemplateException>(() => t.Render(Conversation));
        Assert.True(ex.RaisedByTemplate);
        Assert.Equal("System role not supported", ex.Message);
    }

    [Fact]
    public void StrftimeNowUsesTheInjectedClock()
    {
        var t = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d, %H:%M') }}");
        var options = new ChatTemplateOptions { Now = () => new DateTime(2026, 1, 5, 9, 7, 0) };
        Assert.Equal("05 Jan 2026|Monday January 5, 09:07", t.Render([], options));
    }

    [Fact]
    public void ToolsAreUndefinedUnlessGiven()
    {
        var t = ChatTemplate.Parse("{{ tools is defined }} {% if tools %}{{ tools | map(attribute='function.name') | join(',') }}{% endif %}");
        Assert.Equal("False ", t.Render([]));
        var tool = JsonNode.Parse("""{"type": "function", "function": {"name": "get_weather", "parameters": {}}}""");
        Assert.Equal("True get_weather", t.Render([], new ChatTemplateOptions { Tools = [tool] }));
    }

    [Fact]
    public void MessagesExposeOnlyTheFieldsTheyHave()
    {
        var t = ChatTemplate.Parse(
            "{% for m in messages %}{{ m.role }}:{{ m.content }}:{{ m.tool_calls is defined }}:{{ m.name is defined }}" +
            "{% if m.tool_calls %}{% for c in m.tool_calls %}[{{ c.id }} {{ c.function.name }} {{ c.function.arguments | tojson }}]{% endfor %}{% endif %}{{ '\\n' }}{% endfor %}");
        var call = new ChatToolCall("get_weather", JsonNode.Parse("""{"city": "Paris"}"""), "call_1");
        var messages = new[]
        {
            ChatMessage.User("q"),
            new ChatMessage("assistant", null) { ToolCalls = [call] },
            new ChatMessage("tool", "{\"temp\": 21}") { Name = "get_weather", ToolCallId = "call_1" },
        };
        Assert.Equal(
            "user:q:False:False\nassistant:None:True:False[call_1 get_weather {\"city\": \"Paris\"}]\ntool:{\"temp\": 21}:False:True\n",
            t.Render(messages));
    }

    [Fact]
    public void FromJsonReadsOpenAIMessages()
    {
        var m = ChatMessage.FromJson(JsonNode.Parse(
            """{"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}], "reasoning_content": "hmm"}""")!.AsObject());
        Assert.Equal("assistant", m.Role);
        Assert.Equal("", m.Content);
        var call = Assert.Single(m.ToolCalls!);
        Assert.Equal(("f", "c1", "function"), (call.Name, call.Id, call.Type));
        Assert.Equal("""{"a":1}""", call.Arguments!.ToJsonString());
        Assert.Equal("hmm", (string?)m.Extra!["reasoning_content"]);
        Assert.Throws<FormatException>(() => ChatMessage.FromJson(new JsonObject { ["content"] = "x" }));
    }

    [Fact]
    public void ExtraVariablesReachTheTemplate()
    {
        var t = ChatTemplate.Parse("{{ enable_thinking }} {{ bos_token }}{{ eos_token }} {{ add_generation_prompt }} {{ ratio }} {{ count + 1 }}");
        var options = new ChatTemplateOptions
        {
            BosToken = "<s>",
            EosToken = "</s>",
            ExtraVariables = new Dictionary<string, JsonNode?>
            {
                ["enable_thinking"] = false,
                ["ratio"] = JsonNode.Parse("1.0"),
                ["count"] = JsonNode.Parse("41"),
            },
        };
        Assert.Equal("False <s></s> False 1.0 42", t.Render([], options));
    }

    [Fact]
    public void ParsedTemplatesRenderRepeatedlyWithoutSharedState()
    {
        var t = ChatTemplate.Parse("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}");
        Assert.Equal("4", t.Render(Conversation));
        Assert.Equal("4", t.Render(Conversation));
        Assert.Equal("1", t.Render([ChatMessage.User("x")]));
    }
}
