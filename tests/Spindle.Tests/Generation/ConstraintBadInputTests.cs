using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// Bad and pathological constraints through <see cref="ConstraintSpec"/>: each ends with a clear exception naming the
/// problem, or compiles and works. The time limit is only a safety net against a hang, not a performance assertion.
/// </summary>
public sealed class ConstraintBadInputTests
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(2);

    private static CompiledGrammar Compile(ConstraintSpec spec)
    {
        var task = Task.Run(() => spec.Compile(new GrammarCache()));
        Assert.True(Task.WhenAny(task, Task.Delay(SafetyNet)).GetAwaiter().GetResult() == task, "compiling did not end");
        return task.GetAwaiter().GetResult();
    }

    private static JsonSchemaCompileException SchemaError(string schema) =>
        Assert.Throws<JsonSchemaCompileException>(() => Compile(ConstraintSpec.JsonSchema(schema)));

    private static bool Accepts(CompiledGrammar grammar, string text)
    {
        using var model = Load(Stories260K);
        var matcher = new Matcher(grammar, model.ConstraintTrie);
        return matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
    }

    [Fact]
    public void InvalidJsonNamesLineAndColumn()
    {
        var e = SchemaError("{\n  \"type\": \"object\",\n  \"properties\": {]\n}");
        Assert.Equal("schema", e.Keyword);
        Assert.Contains("not valid JSON at line 3, column 18", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Theory]
    [InlineData("""{"$ref":"https://example.com/other.json"}""", "$ref")]
    [InlineData("""{"type":"string","pattern":"(?<=a)b"}""", "pattern")]
    [InlineData("""{"type":"string","pattern":"(a)\\1"}""", "pattern")]
    [InlineData("""{"type":"decimal"}""", "type")]
    [InlineData("""{"type":"string","pattern":"a{1000000}"}""", "pattern")]
    [InlineData("""{"type":"integer","minimum":10,"maximum":5}""", "schema")]
    [InlineData("\"just a string\"", "schema")]
    public void UnsupportedOrImpossibleSchemasNameTheKeyword(string schema, string keyword)
    {
        var e = SchemaError(schema);
        Assert.Equal(keyword, e.Keyword);
        Assert.StartsWith(keyword + ": ", e.Message);
    }

    [Fact]
    public void RefToNowhereNamesTheReference()
    {
        var e = SchemaError("""{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}""");
        Assert.Equal("$ref", e.Keyword);
        Assert.Contains("#/$defs/missing", e.Message);
    }

    [Theory]
    [InlineData("""{"type":"array","items":""", "}")]
    [InlineData("""{"type":"object","properties":{"a":""", "}}")]
    [InlineData("""{"allOf":[""", "]}")]
    public void TenThousandNestedSubschemasAreRejected(string open, string close)
    {
        string deep = string.Concat(Enumerable.Repeat(open, 10_000)) + "{}" + string.Concat(Enumerable.Repeat(close, 10_000));
        var e = SchemaError(deep);
        Assert.Equal("schema", e.Keyword);
        Assert.Contains("depth", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void DeepValuesAndRefChainsEndWithAnError()
    {
        // An enum value nested 10,000 arrays deep (the document depth guard), and a 5,000-link $ref chain (the subschema depth guard).
        SchemaError("{\"enum\":[" + new string('[', 10_000) + new string(']', 10_000) + "]}");
        var defs = string.Join(",", Enumerable.Range(0, 5000).Select(i => $"\"d{i}\":{{\"type\":\"array\",\"items\":{{\"$ref\":\"#/$defs/d{i + 1}\"}}}}"));
        var chain = SchemaError("{\"$defs\":{" + defs + ",\"d5000\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/d0\"}");
        Assert.Contains("deeper than", chain.Message);
        // Nesting inside the limits compiles.
        string ok = string.Concat(Enumerable.Repeat("""{"type":"array","maxItems":1,"items":""", 100)) + "{\"type\":\"integer\"}" + new string('}', 100);
        var grammar = Compile(ConstraintSpec.JsonSchema(ok));
        Assert.True(Accepts(grammar, new string('[', 100) + "7" + new string(']', 100)));
    }

    [Fact]
    public void TenThousandValueEnumCompilesAndGenerates()
    {
        string values = string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"\"word{i}\""));
        string schema = "{\"type\":\"object\",\"properties\":{\"w\":{\"enum\":[" + values + "]}},\"required\":[\"w\"],\"additionalProperties\":false}";
        var spec = ConstraintSpec.JsonSchema(schema, JsonWhitespace.Compact);
        using var model = Load(Stories260K);
        var validator = JsonSchemaValidator.Compile(schema);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var chunks = Collect(model.GenerateAsync("Once upon a time", new GenerationOptions { Seed = seed, MaxTokens = 64, Constraint = spec }));
            Assert.Equal(FinishReason.EndOfGeneration, chunks[^1].FinishReason);
            using var doc = JsonDocument.Parse(TextOf(chunks));
            Assert.True(validator.IsValid(doc.RootElement), TextOf(chunks));
        }
    }

    [Fact]
    public void HugeIntegerRangesStayExact()
    {
        var wide = Compile(ConstraintSpec.JsonSchema("""{"type":"integer","minimum":-1e300,"maximum":1e300}"""));
        Assert.True(Accepts(wide, "-" + "1" + new string('0', 300)));
        Assert.True(Accepts(wide, "123456789"));
        Assert.False(Accepts(wide, "1" + new string('0', 299) + "1"));
        var quintillion = Compile(ConstraintSpec.JsonSchema("""{"type":"integer","minimum":0,"maximum":1000000000000000000}"""));
        Assert.True(Accepts(quintillion, "1000000000000000000"));
        Assert.False(Accepts(quintillion, "1000000000000000001"));
        Assert.False(Accepts(quintillion, "-1"));
        // An open side gets 15 digits beyond the other bound for generation (JsonSchemaGrammar.FlexibleGeneration).
        var open = Compile(ConstraintSpec.JsonSchema("""{"type":"integer","minimum":5}"""));
        Assert.True(Accepts(open, "999999999999999"));
        Assert.False(Accepts(open, "4"));
    }

    [Fact]
    public void PathologicalPatternsCompileOrFailClearly()
    {
        var nested = Compile(ConstraintSpec.JsonSchema("""{"type":"string","pattern":"^(a*)*b$"}"""));
        Assert.True(Accepts(nested, "\"aaaab\""));
        Assert.False(Accepts(nested, "\"aaaa\""));
        Assert.True(Accepts(Compile(ConstraintSpec.Regex("(a*)*b")), "aaab"));
        var big = Assert.ThrowsAny<GrammarException>(() => Compile(ConstraintSpec.Regex("a{1000000}")));
        Assert.Contains("repetition count", big.Message);
        var deep = Assert.ThrowsAny<GrammarException>(() => Compile(ConstraintSpec.Regex(new string('(', 10_000) + "a" + new string(')', 10_000))));
        Assert.Contains("nested", deep.Message);
    }

    [Fact]
    public void RegexAndGbnfErrorsArePositionedGrammarExceptions()
    {
        var regex = Assert.ThrowsAny<GrammarException>(() => Compile(ConstraintSpec.Regex("ab[0-9")));
        Assert.True(regex.Column > 0, regex.Message);
        var undefined = Assert.ThrowsAny<GrammarException>(() => Compile(ConstraintSpec.Grammar("root ::= greeting \" world\"\n")));
        Assert.Contains("greeting", undefined.Message);
        var syntax = Assert.ThrowsAny<GrammarException>(() => Compile(ConstraintSpec.Grammar("root ::= \"a\" | (\n")));
        Assert.True(syntax.Line > 0, syntax.Message);
    }

    [Fact]
    public void DateFormatAgreesWithTheValidatorOnEveryDay()
    {
        var grammar = Compile(ConstraintSpec.JsonSchema("""{"type":"string","format":"date"}"""));
        var validator = JsonSchemaValidator.Compile("""{"format":"date"}""", new JsonSchemaValidatorOptions { AssertFormat = true });
        using var model = Load(Stories260K);
        foreach (int year in new[] { 1900, 2000, 2023, 2024, 3000 })
            for (int month = 1; month <= 12; month++)
                for (int day = 1; day <= 31; day++)
                {
                    string text = $"\"{year:D4}-{month:D2}-{day:D2}\"";
                    using var doc = JsonDocument.Parse(text);
                    var matcher = new Matcher(grammar, model.ConstraintTrie);
                    bool accepted = matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
                    Assert.True(validator.IsValid(doc.RootElement) == accepted, text);
                }
    }
}
