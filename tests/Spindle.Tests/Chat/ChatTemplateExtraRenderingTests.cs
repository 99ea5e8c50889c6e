using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Spindle.Chat;

namespace Spindle.Tests.Chat;

/// <summary>
/// The 17 shared templates on harder conversations (several tools with nested schemas, string tool-call arguments,
/// null content, non-ASCII), against renderings real Jinja2 produced with transformers' settings
/// (Data/make-extra-renderings.py). "error" cases must raise the template's own message; "other" cases failed in
/// Jinja2 for another reason (undefined attribute, type error, generator passed to tojson) and must fail here too.
/// </summary>
public class ChatTemplateExtraRenderingTests
{
    private static string DataPath([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Data", "jinja2-extra-renderings.json");

    private static readonly Lazy<JsonObject> Data = new(() => JsonNode.Parse(File.ReadAllText(DataPath()))!.AsObject());

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (template, cases) in Data.Value["expected"]!.AsObject())
            foreach (var (caseName, _) in cases!.AsObject()) data.Add(template, caseName);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RendersLikeJinja2(string templateFile, string caseName)
    {
        var template = ChatTemplate.Parse(File.ReadAllText(SharedData.PathOf("chat-templates", templateFile)));
        var conversation = Data.Value["cases"]![caseName]!.AsObject();
        var messages = conversation["messages"]!.AsArray().Select(m => ChatMessage.FromJson(m!.AsObject())).ToList();
        var options = new ChatTemplateOptions
        {
            AddGenerationPrompt = (bool)conversation["add_generation_prompt"]!,
            BosToken = "<s>",
            EosToken = "</s>",
            Tools = conversation["tools"]?.AsArray().Select(t => t?.DeepClone()).ToList(),
            Now = () => new DateTime(2026, 1, 15, 12, 0, 0),
        };
        var expected = Data.Value["expected"]![templateFile]![caseName]!.AsObject();
        if (expected["output"] is { } output)
        {
            Assert.Equal((string)output!, template.Render(messages, options));
        }
        else if (expected["error"] is { } error)
        {
            var ex = Assert.Throws<ChatTemplateException>(() => template.Render(messages, options));
            Assert.True(ex.RaisedByTemplate);
            Assert.Equal((string)error!, ex.Message);
        }
        else
        {
            var ex = Assert.Throws<ChatTemplateException>(() => template.Render(messages, options));
            Assert.False(ex.RaisedByTemplate);
        }
    }
}
