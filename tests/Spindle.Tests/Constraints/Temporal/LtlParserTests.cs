using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Constraints.Temporal;

public sealed class LtlParserTests
{
    [Theory]
    [InlineData("G(Action -> X Observation) && F Answer", "(G (Action -> (X Observation))) && (F Answer)")]
    [InlineData("a || b && c", "a || (b && c)")]
    [InlineData("a -> b -> c", "a -> (b -> c)")]
    [InlineData("a U b U c", "a U (b U c)")]
    [InlineData("!a U b", "(!a) U b")]
    [InlineData("a & b | c => d <=> e", "(((a && b) || c) -> d) <-> e")]
    [InlineData("N a && WX b", "(WX a) && (WX b)")]
    [InlineData("Action(web-search.v2)", "Action(web-search.v2)")]
    [InlineData("AtMost(3, Action)", "AtMost(3, Action)")]
    [InlineData("Exactly(1, Answer)", "AtLeast(1, Answer) && AtMost(1, Answer)")]
    [InlineData("last", "WX false")]
    public void ParsesWithPrecedence(string text, string expected)
    {
        var f = LtlParser.Parse(text);
        Assert.Equal(expected, f.ToString());
        Assert.Equal(f, LtlParser.Parse(f.ToString()));
    }

    [Theory]
    [InlineData("", 1, "empty formula")]
    [InlineData("G(Action -> X Observation", 26, "missing ')' for the '(' at position 2")]
    [InlineData("F Answer Thought", 10, "unexpected 'Thought' after a complete formula")]
    [InlineData("a && && b", 6, "expected an atom")]
    [InlineData("Action()", 8, "needs an argument")]
    [InlineData("Action(calc", 12, "missing ')'")]
    [InlineData("Action(ca lc)", 11, "unexpected 'l' in the argument")]
    [InlineData("AtMost(99, a)", 8, "larger than 32")]
    [InlineData("AtMost(a)", 8, "needs a count")]
    [InlineData("a -> ", 6, "ends where an operand was expected")]
    [InlineData("U a", 1, "needs a left operand")]
    [InlineData("a $ b", 3, "unexpected '$'")]
    public void SyntaxErrorsHavePositionAndReason(string text, int oneBasedPosition, string fragment)
    {
        var e = Assert.Throws<LtlSyntaxException>(() => LtlParser.Parse(text));
        Assert.Equal(oneBasedPosition, e.Position + 1);
        Assert.Contains(fragment, e.Reason);
        Assert.Contains($"position {oneBasedPosition}", e.Message);
    }

    [Fact]
    public void DeepNestingIsAnErrorNotACrash()
    {
        var e = Assert.Throws<LtlSyntaxException>(() => LtlParser.Parse(new string('(', 1000) + "a" + new string(')', 1000)));
        Assert.Contains("deeper than", e.Reason);
        Assert.Throws<LtlSyntaxException>(() => LtlParser.Parse(new string('a', LtlParser.MaxLength + 1)));
    }
}
