using System.Text.Json.Nodes;
using Spindle.Chat;
using Spindle.Chat.Jinja;

namespace Spindle.Tests.Chat;

/// <summary>
/// The interpreter on hand-written templates covering loops, macros, namespaces, filters, tests, whitespace control,
/// Python value formatting and undefined semantics. Expected outputs are Jinja2 3.1's (ImmutableSandboxedEnvironment,
/// trim_blocks, lstrip_blocks, loopcontrols, transformers' tojson).
/// </summary>
public class JinjaInterpreterTests
{
    private const string VariablesJson =
        """{"xs": [3, 1, 2], "d": {"b": 2, "a": 1}, "s": "Hello World", "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], "n": null, "f": 2.5, "t": true}""";

    internal static string Render(string template)
    {
        var variables = new Dictionary<string, JinjaValue>();
        foreach (var (k, v) in JsonNode.Parse(VariablesJson)!.AsObject()) variables[k] = JinjaJson.ToValue(v);
        var raise = new JinjaCallable("raise_exception", a => throw new JinjaRuntimeException(PyFormat.Str(a.Positional[0]), true));
        variables["raise_exception"] = raise;
        return JinjaTemplate.Parse(template).Render(variables);
    }

        // (template, output) pairs; each output is what Jinja2 3.1.6 renders with transformers' settings.
        public static TheoryData<string, string> Rendered() => new()
        {
            { "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}", "10TrueFalse332|21FalseFalse321|32FalseTrue310|" },
            { "{% for x in [] %}a{% else %}empty{% endfor %}", "empty" },
            { "{% for x in xs if x > 1 %}{{ x }}:{{ loop.length }} {% endfor %}", "3:2 2:2 " },
            { "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "b=2;a=1;" },
            { "{% for k in d %}{{ k }}{% endfor %}{{ d | dictsort }}", "ba[('a', 1), ('b', 2)]" },
            { "{% for x in xs | sort %}{{ x }}{% endfor %}{{ xs | sort(reverse=true) }}", "123[3, 2, 1]" },
            { "{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", "3" },
            { "{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}", "1" },
            { "{% set ns = namespace(x=1, found=false) %}{% for i in xs %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }} {{ ns.found }}", "7 False" },
            { "{% macro greet(name, punct=\"!\") %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet(\"Bob\") }} {{ greet(\"Al\", punct=\"?\") }} {{ greet(name=\"Cy\") }}", "Hi Bob! Hi Al? Hi Cy!" },
            { "{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inner{% endcall %}", "[inner]" },
            { "{% set block %}  some text  {% endset %}{{ block | trim }}|{{ block | length }}", "some text|13" },
            { "{% filter upper %}shout {{ s }}{% endfilter %}", "SHOUT HELLO WORLD" },
            { "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 4 / 2 }}", "3 -4 1 2 3.5 1024 7 9 2.0" },
            { "{{ \"a\" ~ 1 ~ none ~ true }} {{ \"ab\" * 3 }} {{ [1] + [2, 3] }}", "a1NoneTrue ababab [1, 2, 3]" },
            { "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ \"b\" in \"abc\" }} {{ 4 not in xs }} {{ \"a\" in d }} {{ not true or false }}", "True False True True True False" },
            { "{{ x is defined }} {{ xs is defined }} {{ n is none }} {{ s is string }} {{ 1 is number }} {{ d is mapping }} {{ xs is iterable }} {{ xs is sequence }} {{ t is boolean }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 1 is equalto 1 }} {{ s is not string }}", "False True True True True True True True True True True True True False" },
            { "{{ \"yes\" if t else \"no\" }} {{ \"yes\" if n else \"no\" }} [{{ \"x\" if n }}]", "yes no []" },
            { "{{ s[0] }} {{ s[-1] }} {{ s[1:4] }} {{ s[::-1] }} {{ xs[::2] }} {{ xs[-2:] }} {{ s[:-1] }}", "H d ell dlroW olleH [3, 2] [1, 2] Hello Worl" },
            { "{{ msgs[0].role }} {{ msgs[1][\"content\"] }} {{ msgs[0].missing }}|{{ d.get(\"a\") }} {{ d.get(\"z\", 9) }} {{ d.get(\"z\") }}", "user yo |1 9 None" },
            { "{{ [1, \"a\", none, true, 2.5] }} {{ {\"k\": \"v's\", \"n\": [1]} }} {{ (1,) }} {{ (\"a\", 2) }} {{ n }} {{ t }} {{ f }}", "[1, 'a', None, True, 2.5] {'k': \"v's\", 'n': [1]} (1,) ('a', 2) None True 2.5" },
            { "{{ d | tojson }} {{ xs | tojson(indent=2) }} {{ {\"a\": \"é\\n\\\"q\\\"\"} | tojson }} {{ {\"a\": []} | tojson(indent=2) }}", "{\"b\": 2, \"a\": 1} [\n  3,\n  1,\n  2\n] {\"a\": \"é\\n\\\"q\\\"\"} {\n  \"a\": []\n}" },
            { "{{ \"  pad  \" | trim }}|{{ xs | length }} {{ s | upper }} {{ s | lower }} {{ \"hello there\" | title }} {{ \"hELLO\" | capitalize }} {{ s | replace(\"o\", \"0\") }} {{ xs | join(\", \") }} {{ xs | first }} {{ xs | last }}", "pad|3 HELLO WORLD hello world Hello There Hello Hell0 W0rld 3, 1, 2 3 2" },
            { "{{ missing | default(\"dflt\") }} {{ \"\" | default(\"e\", true) }} {{ s | list | length }} {{ 42 | string }} {{ \"12\" | int + 1 }} {{ \"2.5\" | float }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 3 | round }}", "dflt e 11 42 13 2.5 3 2.57 3" },
            { "{{ msgs | selectattr(\"role\", \"equalto\", \"user\") | map(attribute=\"content\") | list }} {{ msgs | rejectattr(\"role\", \"eq\", \"user\") | map(attribute=\"role\") | join }} {{ [1, 2, 3, 4] | select(\"odd\") | list }} {{ [0, 1, \"\", \"a\"] | reject | list }}", "['hi'] assistant [1, 3] [0, '']" },
            { "{{ [\"a\", \"A\", \"b\", \"a\"] | unique | list }} {{ xs | reverse | list }} {{ \"line1\\nline2\\n\\nline4\" | indent(2) }}|{{ \"a\\nb\" | indent(2, first=true) }}|{{ \"one two three\" | wordcount }}", "['a', 'b'] [2, 1, 3] line1\n  line2\n\n  line4|  a\n  b|3" },
            { "{{ s.split() }} {{ \"a,b,,c\".split(\",\") }} {{ \"  x \".strip() }}|{{ \"xxaxx\".lstrip(\"x\") }} {{ \"xxaxx\".rstrip(\"x\") }} {{ s.startswith(\"Hell\") }} {{ s.endswith(\"x\") }} {{ s.upper() }} {{ s.replace(\"l\", \"L\", 2) }} {{ \"{} and {}\".format(1, \"b\") }} {{ s.find(\"o\") }} {{ \"a b\".title() }}", "['Hello', 'World'] ['a', 'b', '', 'c'] x|axx xxa True False HELLO WORLD HeLLo World 1 and b 4 A B" },
            { "{{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ d | items | list }}", "['b', 'a'] [2, 1] [('b', 2), ('a', 1)] [('b', 2), ('a', 1)]" },
            { "{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(5, 0, -2) | list }}", "[0, 1, 2] [1, 3, 5] [5, 3, 1]" },
            { "{{ 'single \"dq\"' }} {{ [\"it's\"] }} {{ ['a\\nb'] }} {{ [1.0, 1e20, 0.0001, 1e-05, 123456789.123] }}", "single \"dq\" [\"it's\"] ['a\\nb'] [1.0, 1e+20, 0.0001, 1e-05, 123456789.123]" },
            { "  {% if t %}\n    yes\n  {% endif %}\ndone", "    yes\ndone" },
            { "{%- if t -%}\n   a\n{%- endif -%}\n   b   {{- s -}}   c", "abHello Worldc" },
            { "  {{ s }}\n  {# comment #}\n  {%+ if t %}kept{% endif %}\n\nend", "  Hello World\n  kept\nend" },
            { "{% raw %}{{ not parsed }}{% endraw %}", "{{ not parsed }}" },
            { "{% set a, b = [1, 2] %}{{ b }}{{ a }}", "21" },
            { "{{ \"%s-%d\" | format(\"a\", 3) }} {{ \"%s\" % \"x\" }}", "a-3 x" },
            { "{{ xs | sum }} {{ xs | min }} {{ xs | max }} {{ [[1, 2], [3]] | map(\"length\") | list }}", "6 1 3 [2, 1]" },
            { "{{ (\"x\" | safe) + \"<b>\" }} {{ \"<b>\" | escape }} {{ (\"x\" | safe) ~ \"<b>\" }}", "x&lt;b&gt; &lt;b&gt; x<b>" },
            { "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}", "1(2,){'k': 3}" },
            { "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", "113 214 1;123 224 2;" },
            { "{{ loop_var | length }} {{ missing | list }} {{ missing | join }}x{% for m in missing %}never{% endfor %}", "0 [] x" },
            { "{{ {\"b\": 1, \"a\": 2} | tojson(sort_keys=true) }} {{ [1, [2, {\"x\": none}]] | tojson(indent=4) }} {{ {\"k\": 1.0, \"t\": true} | tojson }}", "{\"a\": 2, \"b\": 1} [\n    1,\n    [\n        2,\n        {\n            \"x\": null\n        }\n    ]\n] {\"k\": 1.0, \"t\": true}" },
            { "text {% if t %}inline{% endif %} more\n  {% if t %}\n    indented\n  {% endif %}", "text inline more\n    indented\n" },
            { "{{ s }}   {% if t %}x{% endif %}\n   {%- if t %}y{% endif %}\n\t{% if t %}tab{% endif %}", "Hello World   xytab" },
            { "{# top comment #}\n{% set x = 5 %}\n{{ x }}\n{#- trimmed -#}\n   after", "5after" },
            { "a\n{% for i in xs %}\n  - {{ i }}\n{% endfor %}\nb", "a\n  - 3\n  - 1\n  - 2\nb" },
            { "{% macro row(k, v) -%}\n  {{ k }}: {{ v }}\n{%- endmacro %}\n{% for k, v in d | dictsort %}\n{{ row(k, v) }}\n{% endfor %}", "a: 1\nb: 2\n" },
            { "{%- set ns = namespace(out=[]) -%}\n{%- for m in msgs -%}\n{%- set ns.out = ns.out + [m.role | upper] -%}\n{%- endfor -%}\n{{ ns.out | join(\"/\") }}", "USER/ASSISTANT" },
            { "{{ \"a\" if not n is none else \"b\" }} {{ -xs[0] | abs }} {{ not xs | length > 5 }} {{ 2 * 3 ** 2 }} {{ \"x\" ~ (1 + 2) }}", "b 3 True 18 x3" },
            { "{{ msgs | map(attribute=\"role\") | unique | list | length }} {{ msgs[-1].content | default(\"none\") }} {{ (msgs | last).role }}", "2 yo assistant" },
            { "{%- for m in msgs %}{{ loop.previtem.role if loop.previtem is defined else \"-\" }}>{{ m.role }} {% endfor %}", "->user user>assistant " },
            { "{{ \"ÄÖ café 😀\" | length }} {{ \"😀x\"[1] }} {{ \"ÄÖ\" | tojson }} {{ [\"é\"] }} {{ \"a\\u00e9\" }}", "9 x \"ÄÖ\" ['é'] aé" },
            { "{{ {\"a\": 1}.a }} {{ {\"items\": 5}[\"items\"] }} {{ xs.0 }} {{ msgs.1.role }}", "1 5 3 assistant" },
            { "{% set g = xs | select %}{{ g | list }}{{ g | list }}", "[3, 1, 2][]" },
            { "{% if [] | select %}generator-truthy{% endif %}{% if [] %}never{% endif %} {{ xs | map(\"string\") | join(\"-\") }} {{ xs | select(\"odd\") | list | length }} {{ xs | reverse | first }}", "generator-truthy 3-1-2 2 2" },
            { "{% for i in xs %}{% if i > 1 %}{% set big = i %}{{ big }}{% endif %}{% endfor %}[{{ big }}]", "32[]" },
            { "{% macro show() %}{{ later }}{% endmacro %}{% set later = \"L\" %}{{ show() }}", "L" },
            { "{% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.v }}", "2" },
            { "{% for i in xs %}{% set acc %}{{ i }}!{% endset %}{{ acc }}{% endfor %}", "3!1!2!" },
            { "{{ missing == none }} {{ missing != 1 }} {{ (missing | default(none)) is none }} {{ [1, 2,] }} {{ {\"a\": 1,} }}", "False True True [1, 2] {'a': 1}" },
            { "{{ 10 / 4 }} {{ 1e3 }} {{ 3.0 }} {{ 1 / 3 }} {{ 2 ** -1 }} {{ 0.1 + 0.2 }} {{ 1e-7 }} {{ 12345678901234567.0 }}", "2.5 1000.0 3.0 0.3333333333333333 0.5 0.30000000000000004 1e-07 1.2345678901234568e+16" },
            { "{{ [1, 2] == [1, 2] }} {{ {\"a\": 1} == {\"a\": 1} }} {{ none | string }} {{ none | tojson }} {{ 1 == 1.0 }} {{ true == 1 }}", "True True None null True True" },
            { "{{ \"abc\" | join(\",\") }} {{ \"a\\nb\".split(\"\\n\") }} {{ \"Hello\" | replace(\"l\", \"L\", 1) }} {{ \"abc\" is lower }} {{ \"ABC\" is upper }} {{ d | dictsort(by=\"value\", reverse=true) }}", "a,b,c ['a', 'b'] HeLlo True True [('b', 2), ('a', 1)]" },
            { "{{ 5 | string | length }} {{ (1, 2) | list }} {{ \"-\".join([\"a\", \"b\"]) }} {{ msgs | length - 1 }} {{ xs[1:] | length }}", "1 [1, 2] a-b 1 2" },
            { "{% for x in xs %}{{ loop.cycle(\"odd\", \"even\") }}{{ \",\" if not loop.last }}{% endfor %} {% for x in xs %}{{ loop.nextitem }}{% endfor %}", "odd,even,odd 12" },
            { "{%- macro m(x) -%}\n   <{{ x }}>\n{%- endmacro -%}\n{{ m(1) }}\n{{ m(2) }}", "<1>\n<2>" },
            { "{% if true %}\n    {{- \" lead\" }}\n{% endif %}\ntail", " lead\ntail" },
            { "{{ \"%.2f|%5d|%-3s|\" | format(3.14159, 42, \"x\") }}", "3.14|   42|x  |" },
            { "{{ \"a\" is in [\"a\"] }} {{ xs | batch(2) | list }} {{ \"   \" | trim | length }} {{ \"x\" * 0 }}|{{ xs | join }}", "True [[3, 1], [2]] 0 |312" },
            { "{{ s.nope }}|{{ 1.5 | int }} {{ \"3.9\" | int }} {{ \"abc\" | int(7) }} {{ true | int }} {{ \"0x1A\" | int(0, 16) }}", "|1 3 7 1 26" },
            { "{% set t2 = (1, \"a\") %}{% set a, b = t2 %}{{ a }}{{ b }} {{ t2[1] }} {{ t2 | length }}", "1a a 2" },
            { "{{ msgs | selectattr(\"content\") | map(attribute=\"role\") | first }} {{ msgs | map(attribute=\"nope\", default=\"dflt\") | list }}", "user ['dflt', 'dflt']" },
            { "{{ [3, 1, 2] | sort | first }} {{ [\"b\", \"A\", \"c\"] | sort }} {{ [\"b\", \"A\", \"c\"] | sort(case_sensitive=true) }} {{ msgs | sort(attribute=\"role\", reverse=true) | map(attribute=\"role\") | list }}", "1 ['A', 'b', 'c'] ['A', 'b', 'c'] ['user', 'assistant']" },
            { "{{ \"  a  b  \".split() }} {{ \"a  b\".split(\" \") }} {{ \"a,b,c\".split(\",\", 1) }} {{ \"ab\".center(6) }}|{{ \"x\" | center(5) }}|", "['a', 'b'] ['a', '', 'b'] ['a', 'b,c']   ab  |  x  |" },
            { "{{ 1 in missing }} {{ missing | upper }}|{{ missing ~ \"x\" }} {{ missing | first }}|{{ missing is iterable }} {{ missing | string }}|{{ n.x }}|{{ n[0] }}|{{ [1][5] }}|{{ missing | items | list }} {{ missing | length }} {{ missing | join(\",\") }}|{{ missing | selectattr(\"x\") | list }} {{ missing | sort }} {{ missing | trim }}|{{ loop }}|", "False |x |True ||||[] 0 |[] [] ||" },
            { "{% set x = 0 %}{% for i in xs %}{{ x }}{% set x = i %}{{ x }},{% endfor %}{{ x }}", "03,01,02,0" },
            { "{% macro item(m) %}{{ loop.index if loop is defined else \"no-loop\" }}{{ m }}{% endmacro %}{% for i in xs %}{{ item(i) }} {% endfor %}", "no-loop3 no-loop1 no-loop2 " },
            { "{% for i in xs %}{% set ns = namespace(c=0) %}{% for j in xs %}{% if j < i %}{% set ns.c = ns.c + 1 %}{% endif %}{% endfor %}{{ ns.c }}{% endfor %}", "201" },
            { "{% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}", "321" },
            { "{% if true %}{% set y = \"set-in-if\" %}{% endif %}{{ y }}", "set-in-if" },
            { "{% for i in xs %}{% if loop.first %}{% set first = i %}{% endif %}{{ first }}{% endfor %}", "3" },
        };

    [Theory]
    [MemberData(nameof(Rendered))]
    public void RendersLikeJinja2(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void RaiseExceptionCarriesTheTemplatesMessage()
    {
        var ex = Assert.Throws<JinjaRuntimeException>(() => Render("{{ raise_exception('boom') }}"));
        Assert.True(ex.RaisedByTemplate);
        Assert.Equal("boom", ex.Message);
    }

    [Fact]
    public void AttributeOfUndefinedFails() =>
        Assert.Equal("'missing' is undefined", Assert.Throws<JinjaRuntimeException>(() => Render("{{ missing.attr }}")).Message);

    [Fact]
    public void AttributeOfMissingKeyIsUndefinedUntilUsed()
    {
        Assert.Equal("|False", Render("{{ msgs[0].nope }}|{{ msgs[0].nope is defined }}"));
        Assert.Throws<JinjaRuntimeException>(() => Render("{{ msgs[0].nope.deeper }}"));
        Assert.Throws<JinjaRuntimeException>(() => Render("{{ msgs[0].nope + 1 }}"));
    }

    [Fact]
    public void GeneratorsHaveNoLengthAndAreNotJson()
    {
        Assert.Equal("object of type 'generator' has no len()", Assert.Throws<JinjaRuntimeException>(() => Render("{{ xs | map('string') | length }}")).Message);
        Assert.Throws<JinjaRuntimeException>(() => Render("{{ xs | select | tojson }}"));
    }

    [Theory]
    [InlineData("{{ missing[0] }}")]
    [InlineData("{{ missing() }}")]
    [InlineData("{{ missing < 1 }}")]
    [InlineData("{{ -missing }}")]
    [InlineData("{{ missing | int }}")]
    [InlineData("{{ missing | tojson }}")]
    [InlineData("{{ {}.x.y }}")]
    [InlineData("{{ 'a' + none }}")]
    public void UsingUndefinedOrMismatchedValuesFails(string template) =>
        Assert.Throws<JinjaRuntimeException>(() => Render(template));

    [Fact]
    public void TypeErrorsSurface() => Assert.Throws<JinjaRuntimeException>(() => Render("{{ xs + 1 }}"));

    [Fact]
    public void ListAppendIsNotAvailableInTheImmutableSandbox() =>
        Assert.Throws<JinjaRuntimeException>(() => Render("{{ xs.append(4) }}"));

    [Theory]
    [InlineData("{% for x in xs %}{{ x }}", 1, 25)]
    [InlineData("{{ 1 + }}", 1, 8)]
    [InlineData("line one\n{% bogus %}", 2, 4)]
    [InlineData("{% if t %}\n{% endfor %}", 2, 4)]
    public void SyntaxErrorsReportLineAndColumn(string template, int line, int column)
    {
        var ex = Assert.Throws<JinjaSyntaxException>(() => JinjaTemplate.Parse(template));
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
    }

    [Fact]
    public void UnclosedForNamesTheTagsItWanted()
    {
        var ex = Assert.Throws<JinjaSyntaxException>(() => JinjaTemplate.Parse("{% for x in xs %}{{ x }}"));
        Assert.Contains("'endfor' or 'else'", ex.Reason);
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(1.5e-5, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e300, "1e+300")]
    public void FloatsPrintAsPythonReprs(double value, string expected) => Assert.Equal(expected, PyFormat.FloatRepr(value));

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("both ' and \"", "'both \\' and \"'")]
    [InlineData("tab\there", "'tab\\there'")]
    [InlineData("é", "'é'")]
    [InlineData("\u0001", "'\\x01'")]
    public void StringsReprLikePython(string value, string expected) => Assert.Equal(expected, PyFormat.Repr(new JinjaString(value)));
}
