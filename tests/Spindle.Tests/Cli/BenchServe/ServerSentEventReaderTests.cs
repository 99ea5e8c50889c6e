using System.Text;
using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

public class ServerSentEventReaderTests
{
    private static async Task<List<string>> ReadAll(string text, int bytesPerRead)
    {
        using var reader = new ServerSentEventReader(new TrickleStream(Encoding.UTF8.GetBytes(text), bytesPerRead));
        var events = new List<string>();
        while (await reader.ReadDataAsync(CancellationToken.None) is { } data) events.Add(data);
        return events;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Events_split_across_reads_come_out_whole(int bytesPerRead)
    {
        // "ты" is two 2-byte characters: reads of 1 or 3 bytes cut them in half.
        const string stream = "data: {\"text\":\"ты\"}\n\ndata: {\"text\":\" once\"}\r\n\r\ndata: [DONE]\n\n";
        Assert.Equal(["{\"text\":\"ты\"}", "{\"text\":\" once\"}", "[DONE]"], await ReadAll(stream, bytesPerRead));
    }

    [Fact]
    public async Task Comments_blank_lines_and_other_fields_are_skipped()
    {
        const string stream = ": keep-alive\n\n\n\nevent: completion\nid: 7\nretry: 100\ndata: a\n\n:another comment\r\ndata: b\n\n";
        Assert.Equal(["a", "b"], await ReadAll(stream, 5));
    }

    [Fact]
    public async Task Data_lines_of_one_event_join_with_line_feeds_and_one_leading_space_goes()
    {
        Assert.Equal(["one\n two\nthree", ""], await ReadAll("data: one\ndata:  two\ndata:three\n\ndata\n\n", 4));
    }

    [Fact]
    public async Task Lone_carriage_returns_end_lines()
    {
        Assert.Equal(["x", "[DONE]"], await ReadAll("data: x\r\rdata: [DONE]\r\r", 1));
    }

    [Fact]
    public async Task An_event_cut_off_by_the_end_of_the_stream_is_kept()
    {
        Assert.Equal(["x", "[DONE]"], await ReadAll("data: x\n\ndata: [DONE]\n", 3));
        Assert.Empty(await ReadAll("", 3));
        Assert.Empty(await ReadAll(": only a comment\n\n", 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_line_or_event_that_never_ends_is_refused_at_the_bound(bool manyLines)
    {
        // 17 Mi chars of data: one endless line, or endless data lines with no blank line to end the event.
        string text = manyLines ? string.Concat(Enumerable.Repeat("data: " + new string('x', 1000) + "\n", 17 * 1024)) : "data: " + new string('x', 17 << 20);
        using var reader = new ServerSentEventReader(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadDataAsync(CancellationToken.None));
        Assert.Contains("longer than", error.Message);
    }
}
