using FsCheck;
using FsCheck.Fluent;
using Spindle.Generation;

namespace Spindle.Tests.Generation;

public sealed class StopStringMatcherTests
{
    private static (string Output, bool Stopped) Feed(IReadOnlyList<string> stops, IEnumerable<string> pieces)
    {
        var matcher = new StopStringMatcher(stops);
        var output = "";
        foreach (var piece in pieces)
        {
            bool stopped = matcher.Append(piece, out string released);
            output += released;
            if (stopped) return (output, true);
        }
        return (output + matcher.Flush(), false);
    }

    [Fact]
    public void StopSplitAcrossPiecesIsNeverReleased()
    {
        var matcher = new StopStringMatcher(["</end>"]);
        Assert.False(matcher.Append("hello </", out string a));
        Assert.Equal("hello ", a);
        Assert.False(matcher.Append("en", out string b));
        Assert.Equal("", b);
        Assert.True(matcher.Append("d> tail", out string c));
        Assert.Equal("", c);
    }

    [Fact]
    public void FalseStartIsReleasedOnceItCannotMatch()
    {
        var matcher = new StopStringMatcher(["abc"]);
        Assert.False(matcher.Append("xa", out string a));
        Assert.Equal("x", a);
        Assert.False(matcher.Append("bd", out string b));
        Assert.Equal("abd", b);
        Assert.False(matcher.Append("ab", out string c));
        Assert.Equal("", c);
        Assert.Equal("ab", matcher.Flush());
    }

    [Fact]
    public void EarliestOfSeveralStopsWins()
    {
        var (output, stopped) = Feed(["world", "lo w"], ["hel", "lo wor", "ld"]);
        Assert.True(stopped);
        Assert.Equal("hel", output);
    }

    [Fact]
    public void NoStopsPassesTextThrough()
    {
        var (output, stopped) = Feed([], ["a", "b"]);
        Assert.False(stopped);
        Assert.Equal("ab", output);
    }

    [Fact]
    public void AnySplitOfTheTextGivesTheTextBeforeTheFirstStop()
    {
        var alphabet = Gen.Elements('a', 'b', 'c');
        var words = Gen.ArrayOf(alphabet).Select(cs => new string(cs));
        var cases =
            from text in words
            from stop in words.Where(s => s.Length is > 0 and < 4)
            from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
            select (text, stop, cuts);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var bounds = c.cuts.Append(0).Append(c.text.Length).Distinct().Order().ToArray();
            var pieces = new List<string>();
            for (int i = 1; i < bounds.Length; i++) pieces.Add(c.text[bounds[i - 1]..bounds[i]]);
            var (output, stopped) = Feed([c.stop], pieces);
            int at = c.text.IndexOf(c.stop, StringComparison.Ordinal);
            return at >= 0 ? stopped && output == c.text[..at] : !stopped && output == c.text;
        }).QuickCheckThrowOnFailure();
    }
}
