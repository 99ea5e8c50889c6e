using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Spindle.Chat.Jinja;

namespace Spindle.Tests.Chat;

/// <summary>
/// Whitespace control against Jinja2 itself: 400 random templates (Data/make-whitespace-cases.py) combining text,
/// newlines and tabs with block, print, comment and raw tags carrying -/+ modifiers, under trim_blocks and
/// lstrip_blocks. The lexer is where chat templates most easily go wrong by one newline.
/// </summary>
public class JinjaWhitespaceTests
{
    private static string DataPath([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Data", "jinja2-whitespace-cases.json");

    private static readonly Lazy<JsonArray> Cases = new(() => JsonNode.Parse(File.ReadAllText(DataPath()))!.AsArray());

    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Cases.Value.Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void RendersLikeJinja2(int index)
    {
        var pair = Cases.Value[index]!.AsArray();
        var variables = new Dictionary<string, JinjaValue>
        {
            ["v"] = new JinjaString("V"),
            ["t"] = JinjaValue.True,
            ["n"] = JinjaValue.False,
            ["xs"] = new JinjaList([new JinjaInt(1), new JinjaInt(2)]),
        };
        Assert.Equal((string)pair[1]!, JinjaTemplate.Parse((string)pair[0]!).Render(variables));
    }
}
