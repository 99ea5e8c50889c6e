using System.Globalization;
using System.Text;

namespace Spindle.Tests.Chat;

/// <summary>One generated template and the limits that may stop it (empty: it must render, or fail as a template error).</summary>
internal sealed record HostileCase(string Construct, string Source, string[] Limits);

/// <summary>
/// Seeded generators of hostile chat templates, one method per class of attack. Each draws its sizes and shapes from
/// the given <see cref="Random"/>, so a failing case is reproduced by its seed. The nesting generators always include
/// a 100,000-deep case, to show that neither the parser nor the evaluator recurses that deep.
/// </summary>
internal static class HostileTemplates
{
    public const string Depth = "MaxNestingDepth", Calls = "MaxCallDepth", Steps = "MaxSteps", Iterations = "MaxLoopIterations",
        Output = "MaxOutputLength", StringSize = "MaxStringLength", ListSize = "MaxListLength", Memory = "MaxAllocatedBytes";

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A depth past the default limit: a few hundred, a few thousand, or 100,000 (every third case).</summary>
    private static int HostileDepth(Random rng, int index) => (index % 3) switch
    {
        0 => 100_000,
        1 => rng.Next(300, 3_000),
        _ => rng.Next(3_000, 30_000),
    };

    // Wrappers that nest an expression inside another; the parser recurses through the first group and reads the
    // second in a loop (so only evaluation meets the depth).
    private static readonly (string Name, Func<string, string> Wrap)[] ExpressionWrappers =
    [
        ("parentheses", e => "(" + e + ")"),
        ("not", e => "not " + e),
        ("unary minus", e => "-" + e),
        ("unary plus", e => "+" + e),
        ("list literal", e => "[" + e + "]"),
        ("tuple literal", e => "(" + e + ",)"),
        ("dict literal", e => "{'k': " + e + "}"),
        ("call argument", e => "f(" + e + ")"),
        ("keyword argument", e => "f(a=" + e + ")"),
        ("subscript index", e => "x[" + e + "]"),
        ("slice bound", e => "x[" + e + ":]"),
        ("filter argument", e => "x|default(" + e + ")"),
        ("test argument", e => "x is sameas(" + e + ")"),
        ("conditional else", e => "1 if x else " + e),
        ("filter", e => e + "|upper"),
        ("test", e => e + " is eq(1)"),
        ("subscript", e => e + "[0]"),
        ("attribute", e => e + ".a"),
        ("call", e => e + "()"),
        ("concatenation ~", e => e + " ~ 'a'"),
        ("addition +", e => e + " + 1"),
        ("and", e => e + " and x"),
    ];

    private static readonly (string Name, Func<string, string> Wrap)[] StatementWrappers =
    [
        ("if block", b => "{% if x %}" + b + "{% endif %}"),
        ("else block", b => "{% if not x %}{% else %}" + b + "{% endif %}"),
        ("for block", b => "{% for a in [1] %}" + b + "{% endfor %}"),
        ("macro block", b => "{% macro m() %}" + b + "{% endmacro %}{{ m() }}"),
        ("set block", b => "{% set v %}" + b + "{% endset %}{{ v }}"),
        ("filter block", b => "{% filter upper %}" + b + "{% endfilter %}"),
        ("generation block", b => "{% generation %}" + b + "{% endgeneration %}"),
        ("call block", b => "{% call c() %}" + b + "{% endcall %}"),
    ];

    private const string Prelude = "{% set x = [1] %}{% macro f(a=1) %}{{ a }}{% endmacro %}{% macro c() %}{{ caller() }}{% endmacro %}";

    /// <summary>Each expression construct nested to a hostile depth, alone and (every fourth case) mixed at random.</summary>
    public static IEnumerable<HostileCase> DeepExpressions(Random rng, int casesPerConstruct)
    {
        foreach (var (name, wrap) in ExpressionWrappers)
            for (int i = 0; i < casesPerConstruct; i++)
                yield return new(name, Prelude + "{{ " + Nest(wrap, "1", HostileDepth(rng, i)) + " }}", [Depth]);
        // The mix exercises the parser's and the evaluator's depth together.
        for (int i = 0; i < casesPerConstruct * 3; i++)
            yield return new("mixed expressions", Prelude + "{{ " + NestMixedExpressions(rng, "1", HostileDepth(rng, i)) + " }}", [Depth]);
    }

    /// <summary>Each block statement nested to a hostile depth, alone and mixed at random.</summary>
    public static IEnumerable<HostileCase> DeepStatements(Random rng, int casesPerConstruct)
    {
        foreach (var (name, wrap) in StatementWrappers)
            for (int i = 0; i < casesPerConstruct; i++)
                yield return new(name, Prelude + NestBlocks(wrap, "{{ 1 }}", HostileDepth(rng, i)), [Depth, Calls]);
        for (int i = 0; i < casesPerConstruct * 2; i++)
            yield return new("mixed blocks", Prelude + NestMixed(rng, StatementWrappers, "{{ 1 }}", HostileDepth(rng, i)), [Depth, Calls]);
    }

    /// <summary>The same constructs at a depth well inside the limit: they must render (nothing stops early).</summary>
    public static IEnumerable<HostileCase> ModerateNesting(Random rng)
    {
        string[] harmless = ["parentheses", "not", "unary minus", "list literal", "tuple literal", "dict literal", "filter", "concatenation ~", "addition +"];
        foreach (var (name, wrap) in ExpressionWrappers)
            if (Array.IndexOf(harmless, name) >= 0)
                yield return new(name, "{{ " + Nest(wrap, "1", rng.Next(20, 60)) + " }}", []);
        foreach (var (name, wrap) in StatementWrappers)
            if (name is not ("call block" or "macro block"))
                yield return new(name, Prelude + NestBlocks(wrap, "{{ 1 }}", rng.Next(20, 60)), []);
        // Long flat chains are not nesting: a thousand elif branches render.
        yield return new("elif chain", "{% if false %}" + Repeat("{% elif false %}", 1000 + rng.Next(1000)) + "{% else %}ok{% endif %}", []);
    }

    // Wrappers are affixes: splitting one around a marker gives its prefix and suffix, so a deep nest is built in
    // linear time rather than by re-wrapping an ever longer string.
    private static (string Prefix, string Suffix) Affixes(Func<string, string> wrap)
    {
        string[] parts = wrap("\u0001").Split('\u0001');
        return (parts[0], parts[1]);
    }

    private static string Nest(Func<string, string> wrap, string inner, int depth)
    {
        var (prefix, suffix) = Affixes(wrap);
        return Repeat(prefix, depth) + inner + Repeat(suffix, depth);
    }

    private static string NestMixed(Random rng, (string Name, Func<string, string> Wrap)[] wrappers, string inner, int depth)
    {
        // Level 0 is the outermost: its prefix comes first and its suffix last.
        var prefixes = new StringBuilder();
        var suffixes = new string[depth];
        for (int level = 0; level < depth; level++)
        {
            var (prefix, suffix) = Affixes(wrappers[rng.Next(wrappers.Length)].Wrap);
            prefixes.Append(prefix);
            suffixes[depth - 1 - level] = suffix;
        }
        return prefixes + inner + string.Concat(suffixes);
    }

    /// <summary>
    /// A random nest of expression wrappers that stays valid Jinja2 without added parentheses. Two adjacencies are
    /// invalid: a sign directly before <c>not</c> (<c>-not x</c>), and a subscript or attribute directly after a filter
    /// or test (<c>x|f[0]</c>, where a call in between, <c>x|f()[0]</c>, does not help). Going inwards, the wrapper
    /// whose prefix will precede the next prefix, and whether the next suffix will be followed by a subscript, are
    /// tracked; wrappers with an empty prefix (suffix) leave the first (second) as it was.
    /// </summary>
    private static string NestMixedExpressions(Random rng, string inner, int depth)
    {
        var prefixes = new StringBuilder();
        var suffixes = new string[depth];
        string? prefixBefore = null;
        bool postfixAfter = false;
        for (int level = 0; level < depth; level++)
        {
            string name, prefix, suffix;
            do
            {
                var wrapper = ExpressionWrappers[rng.Next(ExpressionWrappers.Length)];
                name = wrapper.Name;
                (prefix, suffix) = Affixes(wrapper.Wrap);
            }
            while ((prefix.Length > 0 && prefixBefore is "unary minus" or "unary plus" && name == "not")
                || (suffix.Length > 0 && postfixAfter && name is "filter" or "test" or "filter argument" or "test argument"));
            if (prefix.Length > 0) prefixBefore = name;
            if (suffix.Length > 0) postfixAfter = name is "subscript" or "attribute" || (name == "call" && postfixAfter);
            prefixes.Append(prefix);
            suffixes[depth - 1 - level] = suffix;
        }
        return prefixes + inner + string.Concat(suffixes);
    }

    private static string NestBlocks(Func<string, string> wrap, string inner, int depth) => Nest(wrap, inner, depth);

    // Builders of a nested value, from the innermost; each pass of the loop wraps the previous value once.
    private static readonly string[] ValueWrappers = ["[ns.v]", "(ns.v,)", "{'a': ns.v}", "[1, ns.v]", "dict(a=ns.v)", "[ns.v]|list"];

    // What a template then does with it: print it, serialize it, compare it, key a dict with it.
    private static readonly (string Sink, bool CanRender)[] ValueSinks =
    [
        ("{{ ns.v|tojson }}", false), ("{{ ns.v|tojson(indent=2) }}", false), ("{{ ns.v }}", false), ("{{ ns.v|string }}", false),
        ("{{ ns.v|pprint }}", false), ("{{ '%s' % (ns.v,) }}", false), ("{{ ns.v|map('tojson')|list }}", false),
        ("{{ ns.v == ns.w }}", true), ("{{ ns.v != ns.w }}", true), ("{{ ns.v in [ns.w] }}", true), ("{{ [ns.v].index(ns.w) }}", true),
        ("{{ ns.v is eq(ns.w) }}", true), ("{{ ns.v|length }}", true), ("{{ {ns.v: 1}|length }}", true),
    ];

    /// <summary>Values nested hundreds to 100,000 deep, built by a loop (no deep source), then walked by a helper.</summary>
    public static IEnumerable<HostileCase> DeepValues(Random rng, int count)
    {
        for (int i = 0; i < count; i++)
        {
            string wrapper = ValueWrappers[rng.Next(ValueWrappers.Length)];
            var (sink, canRender) = ValueSinks[rng.Next(ValueSinks.Length)];
            int depth = i % 3 == 0 ? 100_000 : rng.Next(300, 100_000);
            // ns.w is built the same way but separately, so comparing it with ns.v walks both to the bottom.
            string source = "{% set ns = namespace(v=1, w=1) %}" +
                $"{{% for i in range({N(depth)}) %}}{{% set ns.v = {wrapper} %}}{{% set ns.w = {wrapper.Replace("ns.v", "ns.w")} %}}{{% endfor %}}" + sink;
            // Comparisons walk without recursion and succeed; a dict key of a list fails as unhashable; map over a dict
            // sees only its keys.
            bool mapsKeys = sink.Contains("map") && (wrapper.StartsWith('{') || wrapper.StartsWith("dict"));
            yield return new($"nested {wrapper} into {sink}", source, canRender || mapsKeys ? [] : [Depth]);
        }
    }

    /// <summary>Values that share structure (x = [x, x]): tiny to build, exponential to walk.</summary>
    public static IEnumerable<HostileCase> SharedStructureValues(Random rng, int count)
    {
        // Sinks that apply to every wrapper, then the ones that need a sequence, then the ones that need a hashable tuple.
        string[] anyValue = ["{{ ns.v|tojson }}", "{{ ns.v }}", "{{ ns.v == ns.w }}", "{{ ns.v|tojson|length }}", "{{ ns.v in [1, ns.w] }}"];
        string[] sequence = ["{{ ns.v < ns.w }}", "{{ ns.v|join }}"];
        string[] tuple = ["{{ {ns.v: 1}[ns.w] }}", "{{ [ns.v]|unique|list|length }}"];
        string[] wrappers = ["[ns.v, ns.v]", "(ns.v, ns.v)", "{'a': ns.v, 'b': ns.v}"];
        for (int i = 0; i < count; i++)
        {
            string wrapper = wrappers[rng.Next(wrappers.Length)];
            string[] sinks = wrapper[0] switch { '(' => [.. anyValue, .. sequence, .. tuple], '[' => [.. anyValue, .. sequence], _ => anyValue };
            string sink = sinks[rng.Next(sinks.Length)];
            int rounds = rng.Next(40, 120);
            string source = "{% set ns = namespace(v=1, w=1) %}" +
                $"{{% for i in range({N(rounds)}) %}}{{% set ns.v = {wrapper} %}}{{% set ns.w = {wrapper.Replace("ns.v", "ns.w")} %}}{{% endfor %}}" + sink;
            yield return new($"shared {wrapper} into {sink}", source, [Steps, StringSize, Output, Memory]);
        }
    }

    /// <summary>A namespace that contains itself, printed or serialized.</summary>
    public static IEnumerable<HostileCase> CyclicValues()
    {
        string[] sinks = ["{{ ns }}", "{{ ns|tojson }}", "{{ ns|string }}", "{{ [ns]|tojson }}", "{{ ns|pprint }}", "{{ {'a': [ns]} }}"];
        foreach (string sink in sinks)
            yield return new($"cycle into {sink}", "{% set ns = namespace(a=1) %}{% set ns.self = ns %}{% set ns.list = [ns, 1] %}" + sink, [Depth]);
        yield return new("cycle compared", "{% set ns = namespace() %}{% set ns.self = ns %}{{ ns == ns }}{{ [ns] == [ns] }}{{ ns.self.self.self is defined }}", []);
    }

    /// <summary>Nested for-loops whose ranges multiply past the iteration limit.</summary>
    public static IEnumerable<HostileCase> LoopProducts(Random rng, int count)
    {
        string[] bodies = ["", "{{ a0 }}", "{% set q = a0 %}", "{{ loop.index }}", "{% if a0 is odd %}x{% endif %}"];
        for (int i = 0; i < count; i++)
        {
            int loops = rng.Next(2, 5);
            var sb = new StringBuilder();
            long product = 1;
            for (int k = 0; k < loops; k++)
            {
                int n = rng.Next(1_000, 100_001);
                product *= n;
                string filter = rng.Next(4) == 0 ? $" if a{k} is number" : "";
                sb.Append($"{{% for a{k} in range({N(n)}){filter} %}}");
            }
            if (product < 2_000_000) { i--; continue; }
            sb.Append(bodies[rng.Next(bodies.Length)]);
            for (int k = 0; k < loops; k++) sb.Append("{% endfor %}");
            yield return new($"{loops} nested loops", sb.ToString(), [Iterations, Steps, Output, Memory]);
        }
        yield return new("loop over the characters of a long string", "{% for c in 'x' * 4000000 %}{% endfor %}", [ListSize]);
        yield return new("range past the sandbox's MAX_RANGE", "{% for i in range(1000000000000) %}{% endfor %}", []);
    }

    /// <summary>One operation asked for a string or list larger than the limits, by multiplication.</summary>
    public static IEnumerable<HostileCase> Multiplication(Random rng, int count)
    {
        string[] forms = ["'x' * N", "N * 'ab'", "('x' * 1000) * N", "[1] * N", "N * (1, 2)", "([1] * 1000) * N", "'x' * 4000000 * N", "['x' * 4000000] * N"];
        for (int i = 0; i < count; i++)
        {
            string form = forms[rng.Next(forms.Length)];
            long n = (i % 3) switch { 0 => 9_000_000_000_000_000_000, 1 => 2_000_000_000, _ => rng.Next(9_000_000, 100_000_000) };
            yield return new($"multiplication {form}", "{{ " + form.Replace("N", N(n)) + " }}", [StringSize, ListSize, Output]);
        }
    }

    /// <summary>Widths, paddings and precisions that ask for a huge string.</summary>
    public static IEnumerable<HostileCase> Padding(Random rng, int count)
    {
        string[] forms =
        [
            "'%Nd' % 1", "'%-Ns' % 'a'", "'%0Nd' % 5", "'%.Nf' % 1.5", "'%.Ne' % 1.5", "'%N.3f' % 2.5", "'%Nr' % 'a'", "'%+Nx' % 255",
            "'x'|center(N)", "'x'.center(N)", "'x'.center(N, '*')", "'a\\nb\\nc'|indent(N)", "'a\\nb'|indent(N, true)",
            "('a\\n' * 1000)|indent(N)", "[1, [2, [3]]]|tojson(indent=N)", "{'a': [1, 2]}|tojson(indent=N)", "'%Nd'|format(1)",
            "'%s'|format('x' * N)", "'{}'.format('x' * N)", "strftime_now('%c' * N)",
        ];
        for (int i = 0; i < count; i++)
        {
            string form = forms[rng.Next(forms.Length)];
            long n = (i % 2) switch { 0 => 2_000_000_000, _ => rng.Next(9_000_000, 500_000_000) };
            if (form.Contains("strftime")) n = rng.Next(1_000_000, 4_000_000);
            yield return new($"padding {form}", "{{ " + form.Replace("N", N(n)) + " }}", [StringSize, Output]);
        }
    }

    // One doubling step of ns.s (or ns.l) per loop pass.
    private static readonly string[] Doublings =
    [
        "{% set ns.s = ns.s ~ ns.s %}", "{% set ns.s = ns.s + ns.s %}", "{% set ns.s = ns.s|replace('a', 'aa') %}",
        "{% set ns.s = ns.s.replace('b', 'bb') %}", "{% set ns.s = [ns.s, ns.s]|join %}", "{% set ns.s = ns.s.join(['', '', '']) %}",
        "{% set ns.s = ns.s * 2 %}", "{% set ns.s = '%s%s' % (ns.s, ns.s) %}", "{% set ns.s = '{}{}'.format(ns.s, ns.s) %}",
        "{% set b %}{{ ns.s }}{{ ns.s }}{% endset %}{% set ns.s = b %}", "{% set ns.s = twice(ns.s) %}",
        "{% set ns.s = ns.s|indent(ns.s|length, true) %}", "{% set ns.s = (ns.s ~ '\\n' ~ ns.s)|indent(2) %}",
        "{% set ns.s = ns.s|center(2 * (ns.s|length)) %}", "{% set ns.s = ns.s|tojson ~ ns.s|tojson %}",
        "{% set ns.l = ns.l + ns.l %}", "{% set ns.l = ns.l * 2 %}", "{% set ns.l = (ns.l|join(',')).split(',') + ns.l %}",
        "{% set ns.l = [ns.l, ns.l]|sum(start=[]) %}",
    ];

    /// <summary>Strings and lists doubled on each of 30 to 64 loop passes.</summary>
    public static IEnumerable<HostileCase> Doubling(Random rng, int count)
    {
        for (int i = 0; i < count; i++)
        {
            string step = Doublings[i < Doublings.Length ? i : rng.Next(Doublings.Length)];
            int rounds = rng.Next(30, 65);
            string source = "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}{% set ns = namespace(s='ab', l=[1, 'a']) %}" +
                $"{{% for i in range({N(rounds)}) %}}{step}{{% endfor %}}{{{{ ns.s|length }}}} {{{{ ns.l|length }}}}";
            yield return new($"doubling {step}", source, [StringSize, ListSize, Steps, Memory]);
        }
    }

    /// <summary>Many values, each within the size limits, that together would exhaust memory or the output.</summary>
    public static IEnumerable<HostileCase> ManyLargeValues(Random rng, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int size = rng.Next(1_000_000, 8_000_000);
            string source = (i % 4) switch
            {
                0 => $"{{% set ns = namespace(l=[]) %}}{{% for i in range(1000) %}}{{% set ns.l = ns.l + [('x' * {N(size)}) ~ i] %}}{{% endfor %}}{{{{ ns.l|length }}}}",
                1 => $"{{% for i in range(100000) %}}{{% set s = 'y' * {N(size)} %}}{{% endfor %}}",
                2 => $"{{% for i in range(100000) %}}{{{{ 'z' * {N(size / 8)} }}}}{{% endfor %}}",
                _ => $"{{% set big = 'w' * {N(size)} %}}{{% for i in range(100000) %}}{{% set t = big|upper %}}{{% endfor %}}",
            };
            yield return new("many large values", source, [Memory, Output, Steps]);
        }
    }

    /// <summary>
    /// Operations that a naive implementation makes quadratic on one large operand: substring search with a pattern
    /// whose first and last characters match at every other position (which defeats .NET's vectorized IndexOf: 80,000
    /// characters already take a quarter of a second), strip with a huge character set, tags that never close (the
    /// regex <c>&lt;[^&gt;]*&gt;</c> took 13 s on 800,000 '&lt;'). Each must render in linear time. Then operations
    /// that are linear but repeated in a loop over a large value, which must be charged.
    /// </summary>
    public static IEnumerable<HostileCase> QuadraticTraps()
    {
        const string setup = "{% set a = 'ab' * 2000000 %}{% set h = 'ab' * 500000 %}{% set p = h ~ 'c' ~ h ~ 'b' %}";
        string[] linear =
        [
            "{{ p in a }}", "{{ a.find(p) }}", "{{ a.rfind(p) }}", "{{ a.count(p) }}", "{{ a.split(p)|length }}",
            "{{ a.replace(p, 'x')|length }}", "{{ a|replace(p, 'x')|length }}", "{{ (a ~ 'c').strip('x' * 4000000 ~ 'ab') }}",
            "{{ ('<' * 4000000)|striptags|length }}", "{{ ('<a' * 2000000)|striptags|length }}", "{{ a.startswith(p) }}",
            "{{ (a ~ 'c' ~ a).count('ab' * 20 ~ 'c') }}", "{{ {a: 1}[a] }}", "{{ [a, a]|unique|list|length }}",
        ];
        foreach (string body in linear) yield return new($"linear {body}", setup + body, []);
        string[] repeated =
        [
            "{{ a|length }}", "{{ a == a ~ '' }}", "{% set q = {a: 1}[a] %}", "{{ a.upper()|length }}", "{{ 'b' in a }}",
            "{{ a[3999999] }}", "{{ a[1:2] }}", "{{ a|trim|length }}",
        ];
        foreach (string body in repeated)
            yield return new($"repeated {body}", setup + "{% for i in range(100000) %}" + body + "{% endfor %}", [Steps, Memory, Output]);
    }

    /// <summary>Macros recursing deep, wide (two or three calls per level), mutually, through caller(), and through map.</summary>
    public static IEnumerable<HostileCase> Recursion(Random rng, int count)
    {
        for (int i = 0; i < count; i++)
        {
            switch (i % 6)
            {
                case 0:
                    yield return new("deep macro recursion",
                        $"{{% macro f(n) %}}{{% if n > 0 %}}{{{{ f(n - 1) }}}}{{% endif %}}{{% endmacro %}}{{{{ f({N(rng.Next(70, 100_001))}) }}}}", [Calls, Depth]);
                    break;
                case 1:
                    yield return new("wide macro recursion",
                        $"{{% macro f(n) %}}{{% if n > 0 %}}{{{{ f(n - 1) }}}}{{{{ f(n - 1) }}}}{{% endif %}}{{% endmacro %}}{{{{ f({N(rng.Next(30, 401))}) }}}}",
                        [Steps, Calls, Depth, StringSize, Memory]);
                    break;
                case 2:
                    yield return new("three-way macro recursion",
                        $"{{% macro f(n) %}}{{% for k in range(3) %}}{{% if n > 0 %}}{{{{ f(n - 1) }}}}{{% endif %}}{{% endfor %}}{{% endmacro %}}{{{{ f({N(rng.Next(20, 60))}) }}}}",
                        [Steps, Iterations, Memory, StringSize, Calls, Depth]);
                    break;
                case 3:
                    yield return new("mutual macro recursion",
                        "{% macro a(n) %}{{ b(n + 1) }}{% endmacro %}{% macro b(n) %}{{ a(n + 1) }}{% endmacro %}{{ a(0) }}", [Calls, Depth]);
                    break;
                case 4:
                    yield return new("recursion through caller()",
                        "{% macro m(n) %}{% if n > 0 %}{% call m(n - 1) %}{{ caller() }}{% endcall %}{% endif %}{% endmacro %}" +
                        $"{{% call m({N(rng.Next(100, 10_000))}) %}}x{{% endcall %}}", [Calls, Depth]);
                    break;
                default:
                    int depth = rng.Next(300, 5_000);
                    yield return new("recursion through map('map', ...)",
                        $"{{% set ns = namespace(v=1) %}}{{% for i in range({N(depth)}) %}}{{% set ns.v = [ns.v] %}}{{% endfor %}}" +
                        "{{ ns.v|map(" + string.Join(", ", Enumerable.Repeat("'map'", depth)) + ")|list }}", [Depth]);
                    break;
            }
        }
        // Jinja2's recursive loops call loop(); Spindle does not implement them, so the call is a plain template error.
        yield return new("recursion through loop()", "{% for x in [[1], [2]] recursive %}{{ loop(x) }}{% endfor %}", []);
    }
}
