using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Spindle.Chat;
using Spindle.Chat.Jinja;

namespace Spindle.Tests.Chat;

/// <summary>
/// The sandbox's limits one at a time: the reproductions from the issue, cancellation, the error's shape, the real
/// templates' headroom under the defaults, a small thread stack, deep JSON input, and the operations that used to escape
/// as raw .NET exceptions. The generated hostile classes are in <see cref="HostileTemplateTests"/>.
/// </summary>
public class ChatTemplateLimitsTests
{
    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    /// <summary>Each crash, hang or memory blow-up reported against the unlimited interpreter, and the limit that now stops it.</summary>
    public static TheoryData<string, string, string> IssueReproductions() => new()
    {
        { "10,000 parentheses", "{{ " + Repeat("(", 10_000) + "1" + Repeat(")", 10_000) + " }}", "MaxNestingDepth" },
        { "10,000 not", "{{ " + Repeat("not ", 10_000) + "1 }}", "MaxNestingDepth" },
        { "10,000 if blocks", Repeat("{% if 1 %}", 10_000) + "x" + Repeat("{% endif %}", 10_000), "MaxNestingDepth" },
        { "10,000 filters", "{{ 'a'" + Repeat("|upper", 10_000) + " }}", "MaxNestingDepth" },
        { "10,000 subscripts", "{{ x" + Repeat("[0]", 10_000) + " }}", "MaxNestingDepth" },
        { "10,000 ~ joins", "{{ 'a'" + Repeat(" ~ 'a'", 10_000) + " }}", "MaxNestingDepth" },
        { "tojson of a 10,000-deep list", "{% set ns = namespace(v=[]) %}{% for i in range(10000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v|tojson }}", "MaxNestingDepth" },
        { "100,000 x 100,000 loop", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", "MaxLoopIterations" },
        { "wide macro recursion 400 deep", "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(400) }}", "MaxCallDepth" },
        { "wide macro recursion 40 deep", "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}", "MaxSteps|MaxAllocatedBytes" },
        { "'x' * 2000000000", "{{ 'x' * 2000000000 }}", "MaxStringLength" },
        { "[1] * 2000000000", "{{ [1] * 2000000000 }}", "MaxListLength" },
        { "'%2000000000d' % 1", "{{ '%2000000000d' % 1 }}", "MaxStringLength" },
        { "center(2000000000)", "{{ 'x'|center(2000000000) }}", "MaxStringLength" },
        { "40 doublings by replace", "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s|replace('x', 'xx') %}{% endfor %}{{ ns.s }}", "MaxStringLength" },
        { "40 doublings by ~", "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}", "MaxStringLength" },
    };

    [Fact]
    public void AnEmptyListRepeatedAnyNumberOfTimesIsEmptyAtOnce()
    {
        var o = HostileRun.Run("{{ ([] * 9000000000000000000)|length }} {{ (() * 9000000000000000000)|length }}");
        Assert.True(o.Error is null, o.Describe());
        Assert.Equal("0 0", o.Output);
        Assert.True(o.Elapsed < TimeSpan.FromSeconds(5), o.Describe());
    }

    [Fact]
    public void StartswithTakesOneLevelOfTupleAsPythonDoes()
    {
        // Nested 100,000 deep, a recursive match would overflow the stack; Python refuses a tuple inside the tuple.
        var nested = HostileRun.Run("{% set ns = namespace(t=('a',)) %}{% for i in range(100000) %}{% set ns.t = (ns.t,) %}{% endfor %}{{ 'a'.startswith(ns.t) }}");
        Assert.NotNull(nested.Error);
        Assert.Contains("must only contain str", nested.Error!.Message);
        Assert.Equal("True False", HostileRun.Run("{{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith(('a', 'b')) }}").Output);
    }

    [Fact]
    public void ManyAdjacentStringLiteralsJoinInLinearTime()
    {
        var o = HostileRun.Run("{{ " + string.Concat(Enumerable.Repeat("'ab' ", 300_000)) + "|length }}");
        Assert.True(o.Error is null, o.Describe());
        Assert.Equal("600000", o.Output);
        Assert.True(o.Elapsed < TimeSpan.FromSeconds(5), o.Describe());
    }

    [Theory]
    [MemberData(nameof(IssueReproductions))]
    public void IssueReproductionsStopOnTheirLimit(string name, string source, string limit)
    {
        var o = HostileRun.Run(source);
        HostileRun.Report($"issue reproduction: {name}", [o]);
        HostileRun.AssertStoppedBy(o, limit.Split('|'));
        // Those stopped on their size or depth stop before allocating much; loops and recursion allocate as they go, so
        // for them the general bound (HostileRun.AllocationBound) applies.
        if (limit is not ("MaxLoopIterations" or "MaxSteps|MaxAllocatedBytes")) Assert.True(o.AllocatedBytes < 64L << 20, $"{name}: {o.Describe()}");
    }

    [Fact]
    public void LimitErrorsNameTheLimitAndItsValue()
    {
        var limits = new ChatTemplateLimits { MaxStringLength = 1_000 };
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{{ 'ab' * 600 }}").Render([], new ChatTemplateOptions { Limits = limits }));
        Assert.Equal("MaxStringLength", e.Limit);
        Assert.False(e.RaisedByTemplate);
        Assert.Equal("chat template exceeded MaxStringLength (1,000): '*' would build a string of 1,200 characters", e.Message);
        Assert.IsType<JinjaLimitException>(e.InnerException);
    }

    [Fact]
    public void ParserDepthErrorsCarryLineAndColumn()
    {
        string source = "line one\n{{ " + Repeat("(", 300) + "1" + Repeat(")", 300) + " }}";
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(source));
        Assert.Equal("MaxNestingDepth", e.Limit);
        Assert.Equal(2, e.Line);
        Assert.Equal(4 + 256, e.Column);
        Assert.Contains("(256)", e.Message);
        // The same template parses when the limit allows it.
        Assert.Equal("line one\n1", ChatTemplate.Parse(source, new ChatTemplateLimits { MaxNestingDepth = 400 }).Render([]));
    }

    [Fact]
    public void InvalidLimitsAreRejectedAsArguments()
    {
        var template = ChatTemplate.Parse("x");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => template.Render([], new ChatTemplateOptions { Limits = new ChatTemplateLimits { MaxSteps = 0 } }));
        Assert.Equal("MaxSteps", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChatTemplate.Parse("x", new ChatTemplateLimits { MaxNestingDepth = -1 }));
    }

    [Fact]
    public void CancellationStopsALongRenderPromptly()
    {
        // Without limits this would run for hours; only the token can stop it.
        var unlimited = new ChatTemplateLimits { MaxSteps = long.MaxValue, MaxLoopIterations = long.MaxValue, MaxAllocatedBytes = long.MaxValue };
        var template = ChatTemplate.Parse("{% for a in range(100000) %}{% for b in range(100000) %}{% set c = a ~ b %}{% endfor %}{% endfor %}", unlimited);
        using var cancellation = new CancellationTokenSource();
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => template.Render([], new ChatTemplateOptions { Limits = unlimited }, cancellation.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {clock.Elapsed}");
    }

    [Fact]
    public void AnAlreadyCancelledTokenStopsEvenAShortRender()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ChatTemplate.ChatML.Render([ChatMessage.User("hi")], null, cancellation.Token));
    }

    [Fact]
    public void RealTemplatesRenderWithinAFractionOfTheDefaults()
    {
        // Each bound here is at most an eighth of its default (the depth an eighth, the rest far less), and every real
        // template renders its reference conversations, and a 1,000-turn chat, within it exactly as with the defaults.
        var tight = new ChatTemplateLimits
        {
            MaxNestingDepth = 32, MaxCallDepth = 8, MaxSteps = 200_000, MaxLoopIterations = 5_000, MaxOutputLength = 1 << 20,
            MaxStringLength = 1 << 20, MaxListLength = 10_000, MaxAllocatedBytes = 32 << 20,
        };
        var turns = new List<ChatMessage>();
        for (int i = 0; i < 1000; i++) turns.Add(i % 2 == 0 ? ChatMessage.User(new string('u', 300)) : ChatMessage.Assistant(new string('a', 300)));
        int rendered = 0;
        var cases = ChatTemplateGoldenTests.Cases();
        foreach (var row in cases)
        {
            var values = ((ITheoryDataRow)row).GetData();
            string file = (string)values[0]!, caseName = (string)values[1]!;
            string source = File.ReadAllText(SharedData.PathOf("chat-templates", file));
            var (messages, options) = ChatTemplateGoldenTests.Conversation(caseName);
            foreach (var conversation in new List<ChatMessage>[] { messages, [.. turns, .. messages] })
            {
                string? expected = RenderOrError(ChatTemplate.Parse(source), conversation, options);
                Assert.Equal(expected, RenderOrError(ChatTemplate.Parse(source, tight), conversation, options with { Limits = tight }));
                rendered++;
            }
        }
        Assert.Equal(2 * cases.Count(), rendered);
    }

    private static string RenderOrError(ChatTemplate template, List<ChatMessage> messages, ChatTemplateOptions options)
    {
        try
        {
            return template.Render(messages, options);
        }
        catch (ChatTemplateException e) when (e.Limit is null)
        {
            return "error: " + e.Message;
        }
    }

    /// <summary>
    /// Limits raised far beyond any stack, on a thread with a 256 KB stack: the depth is still reported as an error
    /// (the stack is probed as it grows), never overflowed, which would kill the test host.
    /// </summary>
    [Fact]
    public void ASmallStackIsNeverOverflowedEvenWithoutLimits()
    {
        var unlimited = new ChatTemplateLimits { MaxNestingDepth = 10_000_000, MaxCallDepth = 10_000_000, MaxSteps = long.MaxValue };
        string[] sources =
        [
            "{{ " + Repeat("(", 100_000) + "1" + Repeat(")", 100_000) + " }}",
            "{{ " + Repeat("not ", 100_000) + "1 }}",
            "{{ 'a'" + Repeat("|upper", 100_000) + " }}",
            "{{ 'a'" + Repeat(" ~ 'a'", 100_000) + " }}",
            // The parser's heaviest level: a call argument inside a filter argument inside a subscript.
            "{% set x = [1] %}{{ " + Repeat("x[x|default(f(", 100_000) + "1" + Repeat("))]", 100_000) + " }}",
            Repeat("{% if 1 %}", 100_000) + "x" + Repeat("{% endif %}", 100_000),
            "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(100000) }}",
            "{% set ns = namespace(v=1) %}{% for i in range(100000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v|tojson }}",
            "{% set ns = namespace(v=1) %}{% for i in range(100000) %}{% set ns.v = {'a': ns.v} %}{% endfor %}{{ ns.v }}",
        ];
        var failures = new List<string>();
        var thread = new Thread(() =>
        {
            foreach (string source in sources)
            {
                try
                {
                    ChatTemplate.Parse(source, unlimited).Render([], new ChatTemplateOptions { Limits = unlimited });
                    failures.Add($"rendered: {source[..40]}");
                }
                catch (ChatTemplateException e) when (e.Limit == "MaxNestingDepth" && e.Message.Contains("stack ran low"))
                {
                }
                catch (Exception e)
                {
                    failures.Add($"{e.GetType().Name} {e.Message}: {source[..40]}");
                }
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Empty(failures);
    }

    [Fact]
    public void AHugeTemplateStopsWhileBeingRead()
    {
        // 21 million characters of source: its tokens alone would take about a gigabyte.
        var o = HostileRun.Run(Repeat("{{ x }}", 3_000_000));
        HostileRun.AssertStoppedBy(o, "MaxAllocatedBytes");
        Assert.NotNull(o.Error!.Line);
        Assert.Equal(0, o.RenderBytes);
    }

    [Fact]
    public void DeeplyNestedJsonInputStopsAtTheNestingDepth()
    {
        JsonNode node = new JsonArray();
        for (int i = 0; i < 100_000; i++) node = new JsonArray(node);
        var options = new ChatTemplateOptions { ExtraVariables = new Dictionary<string, JsonNode?> { ["deep"] = node } };
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{{ deep|length }}").Render([], options));
        Assert.Equal("MaxNestingDepth", e.Limit);
    }

    /// <summary>Inputs that used to fail with an OverflowException, ArgumentException or a hang; now a template error or a value.</summary>
    [Theory]
    [InlineData("{{ '%c' % 99999999 }}", null)]
    [InlineData("{{ 'x'.center(5, 'ab') }}", null)]
    [InlineData("{{ 99999999999999999999 }}", null)]
    [InlineData("{{ '\\U0011FFFF' }}", null)]
    [InlineData("{{ 2 ** 9000000000000000000 }}", "0")]
    [InlineData("{{ 3 ** 5 }}", "243")]
    [InlineData("{{ '1'|int(base=7) }}", "0")]
    [InlineData("{{ (-9223372036854775807 - 1)|abs }}", "-9223372036854775808")]
    [InlineData("{{ '%d %x %o' % (-9223372036854775807 - 1, -255, -8) }}", "-9223372036854775808 -ff -10")]
    [InlineData("{{ range(-9223372036854775807 - 1, 9223372036854775807)|length }}", null)]
    [InlineData("{{ range(0, 9000000000000000000, 3000000000000000000)|list }}", "[0, 3000000000000000000, 6000000000000000000]")]
    [InlineData("{{ 'h\\u00e9llo'[1] }}{{ 'h\\U0001F600x'[1] }}{{ 'abcdef'[1:5:2] }}{{ 'ab\\U0001F600'[::-1] }}", "é😀bd😀ba")]
    [InlineData("{% for x in 'ab' %}{{ loop }}{{ loop.cycle('o', 'e') }}{% endfor %}", "<LoopContext 1/2>o<LoopContext 2/2>e")]
    [InlineData("{% for x in [1, 2] %}{% macro m() %}{{ loop.index }}{% endmacro %}{{ m() }}{% endfor %}", "12")]
    public void FormerlyEscapingOperationsEndAsTemplateResults(string source, string? expected)
    {
        var o = HostileRun.Run(source);
        if (expected is null) Assert.True(o.Error is { Limit: null }, o.Describe());
        else Assert.Equal(expected, o.Output);
    }
}
