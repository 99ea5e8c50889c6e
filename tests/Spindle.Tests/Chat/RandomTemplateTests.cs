using System.Text;
using Spindle.Chat;

namespace Spindle.Tests.Chat;

/// <summary>
/// Fuzzing with seeded random templates: expressions and statements drawn from the whole grammar (every filter, test
/// and method, slices, literals, macros, loops), with arguments that are often extreme (huge or negative numbers,
/// strings with format codes or surrogate pairs). Whatever a template does, it must end within the bounds of
/// <see cref="HostileRun"/> and fail, if it fails, as a template error or a limit, never as a stray .NET exception.
/// </summary>
public class RandomTemplateTests
{
    private static readonly string[] Atoms =
    [
        "0", "1", "-1", "2", "7", "2000000000", "9223372036854775807", "-9223372036854775807", "1.5", "-0.0", "1e308",
        "''", "'ab'", "'a\\nb c'", "'%d'", "'%s%s'", "'%c'", "'{}'", "'{0}{x}'", "'h\\u00e9'", "'\\U0001F600x'", "'<b>&'",
        "x", "d", "s", "n", "u", "ns", "ns.v", "messages", "true", "none", "[]", "[1, 'a', [2]]", "(1, 2)", "{'k': [1]}",
        "range(5)", "range(100000)", "'x' * 100000", "[1] * 1000",
    ];

    private static readonly string[] BinaryOperators = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "==", "!=", "<", ">=", "in", "not in"];

    private static readonly string[] FilterNames =
    [
        "tojson", "trim", "length", "count", "upper", "lower", "title", "capitalize", "replace", "join", "first", "last",
        "default", "list", "string", "int", "float", "abs", "round", "safe", "escape", "forceescape", "items", "dictsort",
        "selectattr", "rejectattr", "map", "select", "reject", "unique", "sort", "reverse", "indent", "wordcount", "batch",
        "center", "sum", "min", "max", "attr", "format", "truncate", "striptags", "pprint", "nosuchfilter",
    ];

    private static readonly string[] TestNames =
    [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "ne", "lt", "le", "gt", "ge", "in",
        "sameas", "lower", "upper", "escaped", "filter", "test",
    ];

    private static readonly string[] MethodNames =
    [
        "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize", "startswith", "endswith", "split", "splitlines",
        "replace", "find", "rfind", "count", "join", "format", "center", "isdigit", "isalpha", "isspace", "islower",
        "isupper", "items", "keys", "values", "get", "index",
    ];

    private const string Prelude =
        "{% set x = [3, 1, 2] %}{% set d = {'a': 1, 'b': [1, 2]} %}{% set s = 'Hello World' %}{% set n = none %}" +
        "{% set ns = namespace(v=[1]) %}{% macro m(a, b=2) %}[{{ a }}{{ b }}{{ varargs }}{{ kwargs }}]{% endmacro %}";

    private static string Pick(Random rng, string[] items) => items[rng.Next(items.Length)];

    private static string Args(Random rng, int depth)
    {
        int count = rng.Next(4);
        var parts = new List<string>();
        for (int i = 0; i < count; i++) parts.Add(rng.Next(6) == 0 ? $"{Pick(rng, ["a", "b", "attribute", "default", "indent", "width"])}={Expression(rng, depth + 1)}" : Expression(rng, depth + 1));
        // Keyword arguments must follow positional ones.
        parts.Sort((p, q) => p.Contains('=') && !p.Contains("==") ? (q.Contains('=') && !q.Contains("==") ? 0 : 1) : (q.Contains('=') && !q.Contains("==") ? -1 : 0));
        return "(" + string.Join(", ", parts) + ")";
    }

    private static string Expression(Random rng, int depth)
    {
        if (depth > 5) return Pick(rng, Atoms);
        return rng.Next(14) switch
        {
            0 or 1 => Pick(rng, Atoms),
            2 => $"({Expression(rng, depth + 1)} {Pick(rng, BinaryOperators)} {Expression(rng, depth + 1)})",
            3 => $"({Pick(rng, ["not ", "-", "+"])}{Expression(rng, depth + 1)})",
            4 => $"{Expression(rng, depth + 1)}|{Pick(rng, FilterNames)}{(rng.Next(2) == 0 ? Args(rng, depth) : "")}",
            5 => $"({Expression(rng, depth + 1)} is {(rng.Next(3) == 0 ? "not " : "")}{Pick(rng, TestNames)}{(rng.Next(2) == 0 ? Args(rng, depth) : "")})",
            6 => $"{Expression(rng, depth + 1)}.{Pick(rng, MethodNames)}{Args(rng, depth)}",
            7 => $"{Expression(rng, depth + 1)}[{Expression(rng, depth + 1)}]",
            8 => $"{Expression(rng, depth + 1)}[{Pick(rng, ["", "1", "-2", "-9223372036854775807"])}:{Pick(rng, ["", "3", "-1", "2000000000"])}{Pick(rng, ["", ":2", ":-1", ":-3"])}]",
            9 => $"({Expression(rng, depth + 1)} if {Expression(rng, depth + 1)} else {Expression(rng, depth + 1)})",
            10 => $"[{Expression(rng, depth + 1)}, {Expression(rng, depth + 1)}]",
            11 => $"{{{Expression(rng, depth + 1)}: {Expression(rng, depth + 1)}}}",
            12 => $"m{Args(rng, depth)}",
            _ => $"{Pick(rng, ["range", "dict", "namespace", "strftime_now"])}{Args(rng, depth)}",
        };
    }

    private static string Statement(Random rng, int depth)
    {
        if (depth > 3) return "{{ " + Expression(rng, 2) + " }}";
        return rng.Next(7) switch
        {
            0 or 1 => "{{ " + Expression(rng, 0) + " }}",
            2 => $"{{% for i in {Expression(rng, 1)} %}}{Statement(rng, depth + 1)}{{{{ loop.index }}}}{{% endfor %}}",
            3 => $"{{% if {Expression(rng, 1)} %}}{Statement(rng, depth + 1)}{{% else %}}{Statement(rng, depth + 1)}{{% endif %}}",
            4 => $"{{% set ns.v = {Expression(rng, 1)} %}}{{{{ ns.v }}}}",
            5 => $"{{% set t %}}{Statement(rng, depth + 1)}{{% endset %}}{{{{ t|length }}}}",
            _ => $"{{% filter {Pick(rng, ["upper", "trim", "indent(2)", "replace('a', 'bb')"])} %}}{Statement(rng, depth + 1)}{{% endfilter %}}",
        };
    }

    [Fact]
    public void RandomTemplatesEndBoundedAndOnlyAsTemplateErrors()
    {
        var rng = new Random(20_261_207);
        var outcomes = new Dictionary<string, int>();
        var all = new List<HostileRun.Outcome>();
        for (int i = 0; i < 600; i++)
        {
            var source = new StringBuilder(Prelude);
            int statements = rng.Next(1, 4);
            for (int k = 0; k < statements; k++) source.Append(Statement(rng, 0));
            var o = HostileRun.Run(source.ToString());
            string kind = o.Limit ?? (o.Error is null ? "rendered" : "template error");
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
            all.Add(o);
        }
        HostileRun.Report("random templates from the whole grammar", all);
        // The mix is varied: some render, most fail as Python would (random operands rarely fit their operations).
        Assert.True(outcomes.GetValueOrDefault("rendered") >= 30, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("template error") >= 300, string.Join(", ", outcomes));
    }
}
