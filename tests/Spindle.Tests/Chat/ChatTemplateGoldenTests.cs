using System.Globalization;
using System.Text.Json.Nodes;
using Spindle.Chat;

namespace Spindle.Tests.Chat;

/// <summary>
/// Every (template, conversation) pair in shared/chat-templates/expected.json, rendered byte for byte as real Jinja2
/// rendered it, or failing with the message the template raised.
/// </summary>
public class ChatTemplateGoldenTests
{
    private static readonly Lazy<JsonObject> Expected = new(() =>
        JsonNode.Parse(File.ReadAllText(SharedData.PathOf("chat-templates", "expected.json")))!.AsObject());

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (template, cases) in Expected.Value["expected"]!.AsObject())
            foreach (var (caseName, _) in cases!.AsObject())
                data.Add(template, caseName);
        return data;
    }

    internal static (List<ChatMessage> Messages, ChatTemplateOptions Options) Conversation(string caseName)
    {
        var root = Expected.Value;
        var conversation = root["cases"]![caseName]!.AsObject();
        var messages = conversation["messages"]!.AsArray().Select(m => ChatMessage.FromJson(m!.AsObject())).ToList();
        var fixedNow = DateTime.Parse((string)root["strftime_now_fixed"]!, CultureInfo.InvariantCulture);
        var options = new ChatTemplateOptions
        {
            AddGenerationPrompt = (bool?)conversation["add_generation_prompt"] ?? false,
            BosToken = (string)root["bos_token"]!,
            EosToken = (string)root["eos_token"]!,
            Tools = conversation["tools"]?.AsArray().Select(t => t?.DeepClone()).ToList(),
            Now = () => fixedNow,
        };
        return (messages, options);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RendersLikeJinja2(string templateFile, string caseName)
    {
        var template = ChatTemplate.Parse(File.ReadAllText(SharedData.PathOf("chat-templates", templateFile)));
        var (messages, options) = Conversation(caseName);
        var expected = Expected.Value["expected"]![templateFile]![caseName]!.AsObject();
        if (expected["error"] is { } error)
        {
            var ex = Assert.Throws<ChatTemplateException>(() => template.Render(messages, options));
            Assert.True(ex.RaisedByTemplate);
            Assert.Equal((string)error!, ex.Message);
        }
        else
        {
            Assert.Equal((string)expected["output"]!, template.Render(messages, options));
        }
    }
}
