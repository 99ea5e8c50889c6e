using System.Diagnostics;
using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;
using Spindle.Tests.Constraints.Grammar;

namespace Spindle.Tests.Constraints;

/// <summary>
/// Hostile schemas, GBNF grammars and regexes from seeded generators: each compiles (and computes a first mask) or
/// fails with a typed error that names the cause, within a time bound, allocating less than a fixed bound.
/// </summary>
/// <remarks>
/// The allocation bound, 512 MB per case on the compiling thread, is what the compile's own limits allow: a schema is
/// at most 16 M chars (32 MB as UTF-16, about as much again as a parsed JsonDocument); the lexer NFA holds at most 250k
/// states and a regex is refused before it is expanded; the grammar at most 200k rules, 1M alternatives and 4M symbols
/// (tens of MB of arrays); merging copies at most 64 M chars (128 MB). Before these limits a 1.3-million-value enum
/// allocated 2.4 GB and a repetition of a repetition ran out of memory, so the bound still tells a bounded compile
/// from an unbounded one. The time bound (20 s) only catches a hang; the cases take well under a second each.
/// </remarks>
public sealed class HostileInputTests
{
    private const long MaxAllocatedBytes = 512L << 20;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(20);

    private static readonly RealVocabulary Stories = RealVocabulary.Get("../models/stories260K/stories260K.f32.gguf");

    /// <summary>Outcome of one hostile input: null when it compiled, else the typed error.</summary>
    private static Exception? RunBounded(string what, Func<CompiledGrammar> compile)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            var grammar = compile();
            var matcher = new Matcher(grammar, Stories.Trie); // a first mask: lazy automata are built here
            var mask = new TokenMask(Stories.Vocabulary.TokenCount);
            matcher.ComputeMask(mask);
        }
        catch (Exception e) when (e is GrammarException or JsonSchemaCompileException)
        {
            error = e;
        }
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(clock.Elapsed < MaxTime, $"{what}: took {clock.Elapsed}");
        Assert.True(allocated < MaxAllocatedBytes, $"{what}: allocated {allocated >> 20} MB");
        return error;
    }

    private static CompiledGrammar Schema(string json) => new(JsonSchemaGrammar.Parse(json, JsonSchemaGrammar.FlexibleGeneration));

    private static void AssertSchemaError(string what, string json, string keyword, string fragment)
    {
        var error = RunBounded(what, () => Schema(json));
        var e = Assert.IsType<JsonSchemaCompileException>(error);
        Assert.Equal(keyword, e.Keyword);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain("--choice", e.Message);
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void HugeEnumsAreRefusedBeforeCompiling(int seed)
    {
        var random = new Random(seed);
        int count = 70_000 + random.Next(700_000); // up to ~15 M chars: inside the 16 M-char schema limit
        var values = new StringBuilder();
        for (int i = 0; i < count; i++) values.Append(i == 0 ? "" : ",").Append(Quote($"v{random.Next():x8}{i}"));
        AssertSchemaError($"enum of {count}", "{\"type\":\"object\",\"properties\":{\"size\":{\"enum\":[" + values + "]}}}",
            "enum", "at #/properties/size/enum");
    }

    [Fact]
    public void EnumsPastTheLexerBudgetAreRefusedNamingTheKeyword()
    {
        var random = new Random(4);
        // 15,000 random 12-char values (210k chars, inside the NFA's reach): few shared prefixes, so ~150k DFA states.
        var values = string.Join(",", Enumerable.Range(0, 15_000).Select(_ => Quote(Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))[..12])));
        AssertSchemaError("prefix-heavy enum", $$"""{"enum":[{{values}}]}""", "enum", "too large for one lexeme");
        string big = Quote(new string('x', 300_000));
        AssertSchemaError("huge const", $$"""{"anyOf":[{"const":{{big}}}]}""", "const", "at #/anyOf/0/const");
        // A 10,000-value enum of shared prefixes still compiles.
        string tenThousand = string.Join(",", Enumerable.Range(0, 10_000).Select(i => Quote($"value{i}")));
        Assert.Null(RunBounded("10k enum", () => Schema("{\"enum\":[" + tenThousand + "]}")));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void WideAnyOfAndAllOfAreBounded(int seed)
    {
        var random = new Random(seed);
        int wide = 10_001 + random.Next(50_000);
        string branches = string.Join(",", Enumerable.Range(0, wide).Select(i => "{\"const\":" + i + "}"));
        AssertSchemaError("wide anyOf", $$"""{"anyOf":[{{branches}}]}""", "anyOf", "subschemas; at most 10,000");
        AssertSchemaError("wide oneOf", "{\"properties\":{\"a\":{\"oneOf\":[" + branches + "]}}}", "oneOf", "at #/properties/a/oneOf");
        AssertSchemaError("wide allOf", $$"""{"allOf":[{{branches}}]}""", "allOf", "subschemas");
        // Within the bound: compiles.
        int ok = 500 + random.Next(9_000);
        string consts = string.Join(",", Enumerable.Range(0, ok).Select(i => "{\"const\":" + i + "}"));
        Assert.Null(RunBounded("anyOf within bound", () => Schema("{\"anyOf\":[" + consts + "]}")));
        // Many distinct objects fill the lexer's budget: refused with the branch that went over it.
        string objects = string.Join(",", Enumerable.Range(0, 2000).Select(i =>
            "{\"type\":\"object\",\"properties\":{\"k" + i + "\":{\"type\":\"integer\"}},\"required\":[\"k" + i + "\"]}"));
        AssertSchemaError("objects past the lexer budget", "{\"anyOf\":[" + objects + "]}", "anyOf", "lexer automaton states in all");
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void DeepNestingIsBounded(int seed)
    {
        var random = new Random(seed);
        int depth = 201 + random.Next(40); // past the compiler's 200 subschema levels, inside the 512 JSON levels
        string[] wrappers = [@"{""type"":""array"",""items"":", @"{""properties"":{""a"":", @"{""anyOf"":[{""type"":""null""},", @"{""allOf"":[{""minProperties"":0},"];
        string[] closers = ["}", "}}", "]}", "]}"];
        var open = new StringBuilder();
        var close = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            int k = random.Next(wrappers.Length);
            open.Append(wrappers[k]);
            close.Insert(0, closers[k]);
        }
        string schema = open + "{}" + close;
        var error = RunBounded($"nesting {depth}", () => Schema(schema));
        Assert.IsType<JsonSchemaCompileException>(error);
        Assert.Contains("deeper than 200", error!.Message);
        // Past 512 JSON levels the parser refuses the text itself.
        string tooDeep = new StringBuilder().Insert(0, "{\"items\":", 600).Append("{}").Append('}', 600).ToString();
        var parse = Assert.IsType<JsonSchemaCompileException>(RunBounded("json depth", () => Schema(tooDeep)));
        Assert.Equal("schema", parse.Keyword);
    }

    [Fact]
    public void NestedMergesAreBoundedByTheCopyBudget()
    {
        // Each level merges its siblings into every branch: copies grow with depth times the payload.
        string payload = "{" + string.Join(",", Enumerable.Range(0, 4000).Select(i => $"\"p{i}\":{{\"type\":\"string\",\"maxLength\":{i}}}")) + "}";
        var schema = new StringBuilder();
        for (int i = 0; i < 150; i++) schema.Append($$"""{"properties":{{payload}},"anyOf":[{"minProperties":{{i}}},""");
        schema.Append("{}");
        for (int i = 0; i < 150; i++) schema.Append("]}");
        var error = RunBounded("nested merges", () => Schema(schema.ToString()));
        Assert.IsType<JsonSchemaCompileException>(error);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void HugeRepetitionCountsAndNestedQuantifiersFailBeforeExpanding(int seed)
    {
        var random = new Random(seed);
        int a = 1000 + random.Next(9000), b = 1000 + random.Next(9000);
        // Regex front-end: a repetition of a repetition is refused at the quantifier, with its position.
        var regexError = Assert.IsType<GrammarException>(RunBounded("nested quantifier", () => new(RegexGrammar.Parse($"(a{{{a}}}){{{b}}}"))));
        Assert.Contains("lexer automaton states", regexError.Message);
        Assert.True(regexError.Column > 0);
        Assert.IsType<GrammarException>(RunBounded("counted class", () => new(RegexGrammar.Parse($"[\\u0000-\\uffff]{{{a * 100}}}"))));
        // JSON Schema pattern: the keyword is named.
        AssertSchemaError("pattern", $$"""{"type":"string","pattern":"^((ab){{{a}}}){{{b}}}$"}""", "pattern", "lexer automaton states");
        // GBNF: the same in a grammar rule.
        var gbnfError = RunBounded("gbnf repeat", () => new(GbnfGrammar.Parse($"root ::= (\"xy\"{{{a}}}){{{b}}}")));
        Assert.IsType<GrammarException>(gbnfError);
        // Within bounds: compiles.
        Assert.Null(RunBounded("small repeat", () => new(RegexGrammar.Parse($"(ab){{{a / 10}}}[0-9]{{1,{b / 10}}}"))));
    }

    [Fact]
    public void RepeatsAndDoublingsOfTheEmptyStringCostNothing()
    {
        // Parts that match only "" have no automaton states, so the state bound never sees them: they must not be
        // expanded either (before, ((){100000}){100000} looped 10^10 times and a doubling of ""{2} grew 2^30 items).
        Assert.Null(RunBounded("empty repeat", () => new(RegexGrammar.Parse("a((){100000}){100000}"))));
        Assert.Null(RunBounded("empty pattern repeat", () => Schema("""{"type":"string","pattern":"^a((){100000}){100000}$"}""")));
        var rules = new StringBuilder("root ::= \"a\" d30\nd0 ::= \"\"{2}\n");
        for (int i = 1; i <= 30; i++) rules.Append($"d{i} ::= d{i - 1} d{i - 1}\n");
        Assert.Null(RunBounded("empty doubling", () => new(GbnfGrammar.Parse(rules.ToString()))));
    }

    [Fact]
    public void LongAlternationsOfLiteralsAreBounded()
    {
        var random = new Random(41);
        var words = Enumerable.Range(0, 60_000).Select(_ => Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))[..10]).ToArray();
        var error = RunBounded("regex alternation", () => new(RegexGrammar.Parse(string.Join("|", words))));
        Assert.IsType<GrammarException>(error);
        Assert.Contains("alternation", error!.Message);
        var choice = Assert.IsType<GrammarException>(RunBounded("choice list", () => new(ChoiceGrammar.Create(words))));
        Assert.Contains("choice list is too large", choice.Message);
        Assert.Null(RunBounded("small alternation", () => new(RegexGrammar.Parse(string.Join("|", words.Take(2000))))));
    }

    [Fact]
    public void CyclicReferencesAreCompileErrorsNamingTheReference()
    {
        AssertSchemaError("self ref", """{"$ref":"#"}""", "$ref", "'#' at #/$ref can never produce a finite value");
        AssertSchemaError("a-b cycle", """{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""", "$ref", "'#/$defs/a'");
        AssertSchemaError("allOf cycle", """{"allOf":[{"$ref":"#"}]}""", "$ref", "includes itself through merging");
        AssertSchemaError("allOf pair", """{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"allOf":[{"$ref":"#/$defs/a"}]}""",
            "$ref", "includes itself through merging");
        AssertSchemaError("required self", """{"type":"object","properties":{"next":{"$ref":"#"}},"required":["next"]}""", "$ref", "can never produce a finite value");
        AssertSchemaError("2020 sibling cycle", """{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#","type":"object"}""", "$ref", "includes itself");
    }

    [Fact]
    public void LegitimateRecursiveSchemasStillCompileAndFinish()
    {
        string tree = """{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#"}}},"required":["value","children"],"additionalProperties":false}""";
        string list = """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"string"},"next":{"$ref":"#/$defs/node"}},"required":["v"],"additionalProperties":false}},"$ref":"#/$defs/node"}""";
        string nested = """{"anyOf":[{"type":"null"},{"type":"array","items":{"$ref":"#"},"minItems":1}]}""";
        foreach (var (schema, instance) in new[]
                 {
                     (tree, """{"value":1,"children":[{"value":2,"children":[]},{"children":[],"value":3}]}"""),
                     (list, """{"v":"a","next":{"v":"b","next":{"v":"c"}}}"""),
                     (nested, "[[null],[[null]]]"),
                 })
        {
            Assert.Null(RunBounded("recursive", () => Schema(schema)));
            var matcher = new Matcher(Schema(schema), Stories.Trie);
            Assert.True(matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(instance)) && matcher.IsAccepting, instance);
        }
    }

    [Theory]
    [InlineData(51)]
    [InlineData(52)]
    public void GbnfWithManyRulesDeepRecursionAndLeftRecursionIsBounded(int seed)
    {
        var random = new Random(seed);
        // Many rules: a chain past the rule bound is refused; a long chain within it compiles.
        int chain = 30_000 + random.Next(20_000);
        var many = new StringBuilder("root ::= r0\n");
        for (int i = 0; i < chain; i++) many.Append($"r{i} ::= \"{(char)('a' + random.Next(26))}\" r{i + 1} | \"z\"\n");
        many.Append($"r{chain} ::= \"end\"\n");
        Assert.Null(RunBounded($"chain of {chain} rules", () => new(GbnfGrammar.Parse(many.ToString()))));

        // Left recursion, direct and through a cycle, with a way out: compiles.
        Assert.Null(RunBounded("left recursion", () => new(GbnfGrammar.Parse("root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= term \"*\" [0-9] | [0-9]\n"))));
        Assert.Null(RunBounded("cycle", () => new(GbnfGrammar.Parse("root ::= a\na ::= b \"x\" | \"y\"\nb ::= a | \"(\" a \")\"\n"))));

        // Recursion with no way out: an error naming the rule, not a grammar that never finishes.
        var endless = Assert.IsType<GrammarException>(RunBounded("endless", () => new(GbnfGrammar.Parse("root ::= \"(\" root \")\"\n"))));
        Assert.Contains("derives no finite text", endless.Message);

        // Deep nesting of parentheses: refused by the parser's bound, not by the stack.
        int depth = 300 + random.Next(1000);
        var deep = Assert.IsType<GrammarException>(RunBounded("deep parens", () => new(GbnfGrammar.Parse("root ::= " + new string('(', depth) + "\"a\"" + new string(')', depth)))));
        Assert.Contains("nested deeper", deep.Message);

        // Rules that double a regular body at each level: refused before the doubling is expanded.
        var doubling = new StringBuilder("root ::= d30\nd0 ::= \"ab\" | \"cd\"\n");
        for (int i = 1; i <= 30; i++) doubling.Append($"d{i} ::= d{i - 1} d{i - 1}\n");
        Assert.IsType<GrammarException>(RunBounded("doubling", () => new(GbnfGrammar.Parse(doubling.ToString()))));
    }

    [Fact]
    public void RegexesWithHugeClassesAreBounded()
    {
        var random = new Random(61);
        var cls = new StringBuilder("[");
        for (int i = 0; i < 40_000; i++)
        {
            int cp = 0x4E00 + 2 * random.Next(20_000); // isolated code points: one range each
            cls.Append($"\\u{cp:X4}");
        }
        cls.Append(']');
        Assert.Null(RunBounded("huge class", () => new(RegexGrammar.Parse(cls + "+"))));
        Assert.IsType<GrammarException>(RunBounded("huge class repeated", () => new(RegexGrammar.Parse(cls + "{50}"))));
    }
}
