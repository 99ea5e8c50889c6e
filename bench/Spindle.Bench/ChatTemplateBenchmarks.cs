using System.Globalization;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Spindle.Chat;

namespace Spindle.Bench;

/// <summary>
/// Rendering a real chat template (parsed once, as a model does) for the "tool-call-roundtrip" conversation of
/// shared/chat-templates/expected.json: one tool, a user turn, an assistant tool call, a tool result, the generation
/// prompt. <see cref="ExtraTurns"/> prepends that many user/assistant turns (about 300 characters each) to show how the
/// cost grows with a long chat. Llama 3.1 is the template Spindle's own models ship; Hermes 3 is macro-heavy (it
/// renders every tool's JSON schema through recursive macros).
/// Run: dotnet run -c Release --project bench/Spindle.Bench -- --filter '*ChatTemplateBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ChatTemplateBenchmarks
{
    private ChatTemplate _template = null!;
    private List<ChatMessage> _messages = [];
    private ChatTemplateOptions _options = null!;

    [Params("meta-llama-Llama-3.1-8B-Instruct.jinja", "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja")]
    public string Template { get; set; } = "";

    [Params(0, 100)]
    public int ExtraTurns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string dir = Path.Combine(ForwardBenchmarks.SharedRoot(), "chat-templates");
        _template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(dir, Template)));
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")))!.AsObject();
        var conversation = root["cases"]!["tool-call-roundtrip"]!.AsObject();
        const string filler = "The quick brown fox jumps over the lazy dog while the model explains why, step by step. ";
        for (int i = 0; i < ExtraTurns; i++)
            _messages.Add(i % 2 == 0 ? ChatMessage.User($"Question {i}: {filler}{filler}") : ChatMessage.Assistant($"Answer {i}: {filler}{filler}{filler}"));
        foreach (var m in conversation["messages"]!.AsArray()) _messages.Add(ChatMessage.FromJson(m!.AsObject()));
        var now = DateTime.Parse((string)root["strftime_now_fixed"]!, CultureInfo.InvariantCulture);
        _options = new ChatTemplateOptions
        {
            AddGenerationPrompt = true,
            BosToken = (string)root["bos_token"]!,
            EosToken = (string)root["eos_token"]!,
            Tools = conversation["tools"]!.AsArray().Select(t => t?.DeepClone()).ToList(),
            Now = () => now,
        };
    }

    [Benchmark]
    public string Render() => _template.Render(_messages, _options);
}
