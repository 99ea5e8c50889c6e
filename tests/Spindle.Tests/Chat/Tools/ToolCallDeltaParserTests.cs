using System.Text;
using System.Text.Json.Nodes;
using Spindle.Chat.Tools;

namespace Spindle.Tests.Chat.Tools;

public sealed class ToolCallDeltaParserTests
{
    /// <summary>Feeds the text in pieces of <paramref name="piece"/> chars and rebuilds each call from its deltas.</summary>
    private static List<(string Id, string Name, string Arguments)> Replay(string text, bool array, int piece)
    {
        var parser = new ToolCallDeltaParser(array);
        var deltas = new List<ToolCallDelta>();
        var calls = new List<(string Id, string Name, StringBuilder Arguments)>();
        for (int i = 0; i < text.Length; i += piece)
        {
            deltas.Clear();
            parser.Append(text.Substring(i, Math.Min(piece, text.Length - i)), deltas);
            foreach (var d in deltas)
            {
                if (d.Name is not null)
                {
                    Assert.Equal(calls.Count, d.Index);
                    Assert.StartsWith("call_", d.Id);
                    calls.Add((d.Id!, d.Name, new StringBuilder(d.Arguments)));
                }
                else
                {
                    Assert.Equal(calls.Count - 1, d.Index); // arguments only after their call's name
                    calls[d.Index].Arguments.Append(d.Arguments);
                }
            }
        }
        Assert.Equal(calls.Count, parser.Calls);
        return [.. calls.Select(c => (c.Id, c.Name, c.Arguments.ToString()))];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void OneCallStreamsItsNameThenItsArguments(int piece)
    {
        const string args = """{"city":"Pa\"ris}{","tags":["a","]"],"n":{"x":1}}""";
        var calls = Replay("{\"name\":\"get_weather\",\"arguments\":" + args + "}", array: false, piece);
        var call = Assert.Single(calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(args, call.Arguments);
        Assert.NotNull(JsonNode.Parse(call.Arguments));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void AnArrayOfCallsGivesEachItsIndex(int piece)
    {
        var calls = Replay("""[{"name":"a","arguments":{}},{"name":"b\"x","arguments":{"k":[1,{"z":"}"}]}}]""", array: true, piece);
        Assert.Equal(2, calls.Count);
        Assert.Equal(("a", "{}"), (calls[0].Name, calls[0].Arguments));
        Assert.Equal(("b\"x", """{"k":[1,{"z":"}"}]}"""), (calls[1].Name, calls[1].Arguments));
        Assert.NotEqual(calls[0].Id, calls[1].Id);
    }

    [Fact]
    public void ArgumentsBeforeTheNameWaitForIt()
    {
        var calls = Replay("""{"arguments":{"q":1},"name":"f"}""", array: false, piece: 2);
        var call = Assert.Single(calls);
        Assert.Equal(("f", """{"q":1}"""), (call.Name, call.Arguments));
    }
}
