using Spindle.Chat.Tools;

namespace Spindle.Tests.Chat.Tools;

public sealed class ToolCallStreamFilterTests
{
    private static (string Shown, ToolCallParseResult End) Run(ToolCallProtocol protocol, params string[] pieces)
    {
        var filter = new ToolCallStreamFilter(protocol);
        string shown = string.Concat(pieces.Select(filter.Append));
        return (shown, filter.Finish());
    }

    [Fact]
    public void TextBeforeACallStreamsAndTheCallIsHeldBack()
    {
        var protocol = new ToolCallProtocol([ToolCallProtocolTests.Weather], ToolChoice.Auto);
        var (shown, end) = Run(protocol, "Let me ", "look.\n<tool", "_call>{\"name\":\"get_weather\",", "\"arguments\":{\"city\":\"Oslo\"}}</tool_call>");
        Assert.Equal("Let me look.\n", shown);
        Assert.Equal("get_weather", end.ToolCalls.Single().Name);
        Assert.Equal("", end.Content);
    }

    [Fact]
    public void APartialTagThatIsNoTagIsReleased()
    {
        var protocol = new ToolCallProtocol([ToolCallProtocolTests.Weather], ToolChoice.Auto);
        var (shown, end) = Run(protocol, "a <to", "y> b <tool");
        Assert.Equal("a <toy> b ", shown);
        Assert.Equal("<tool", end.Content);
        Assert.False(end.HasToolCalls);
    }

    [Fact]
    public void AReplyStartingWithJsonIsHeldUntilItsEnd()
    {
        var protocol = new ToolCallProtocol([ToolCallProtocolTests.Weather], ToolChoice.Auto);
        var (shown, end) = Run(protocol, " ", "{\"name\":\"get_weather\",", "\"arguments\":{}}");
        Assert.Equal("", shown);
        Assert.True(end.HasToolCalls);
        (shown, end) = Run(protocol, "{\"story\":", "1}");
        Assert.Equal("", shown);
        Assert.Equal("{\"story\":1}", end.Content);
    }

    [Fact]
    public void RequiredHoldsEverythingAndNonePassesEverything()
    {
        var required = new ToolCallProtocol([ToolCallProtocolTests.Weather], ToolChoice.Required, parallelToolCalls: false);
        var (shown, end) = Run(required, "{\"name\":\"get_weather\",", "\"arguments\":{\"city\":\"x\"}}");
        Assert.Equal("", shown);
        Assert.Single(end.ToolCalls);
        var none = new ToolCallProtocol([ToolCallProtocolTests.Weather], ToolChoice.None);
        (shown, end) = Run(none, "<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>");
        Assert.Equal("<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>", shown);
        Assert.False(end.HasToolCalls);
        Assert.Equal("", end.Content);
    }
}
