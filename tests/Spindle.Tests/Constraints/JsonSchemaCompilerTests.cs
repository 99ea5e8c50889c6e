using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.MaskBench;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;
using Spindle.Tests.Constraints.Grammar;

namespace Spindle.Tests.Constraints;

public sealed class JsonSchemaCompilerTests
{
    private static readonly RealVocabulary Llama = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");

    private static CompiledGrammar CompileGrammar(string schema, JsonSchemaCompilerOptions? options = null) =>
        new(JsonSchemaCompiler.Compile(schema, options));

    /// <summary>Token-by-token replay with the llama-spm tokenizer: every token must be in the mask, and EOS at the end.</summary>
    private static bool AcceptsTokens(CompiledGrammar grammar, string instance)
    {
        int[] ids = Llama.Tokenizer.Encode(instance, addSpecial: false, parseSpecial: false);
        var matcher = new Matcher(grammar, Llama.Trie);
        var mask = new TokenMask(Llama.Vocabulary.TokenCount);
        foreach (int id in ids)
        {
            matcher.ComputeMask(mask);
            bool inMask = mask[id];
            bool accepted = matcher.TryAccept(id);
            Assert.Equal(inMask, accepted); // the mask and TryAccept must agree
            if (!accepted) return false;
        }
        matcher.ComputeMask(mask);
        Assert.Equal(matcher.IsAccepting, mask[Llama.Vocabulary.EosId]);
        return matcher.IsAccepting;
    }

    /// <summary>Byte-level check (no tokenizer): the whole text is a sentence of the grammar.</summary>
    private static bool AcceptsBytes(CompiledGrammar grammar, string text)
    {
        var matcher = new Matcher(grammar, Llama.Trie);
        return matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
    }

    private static void AssertVerdicts(string schema, (string Instance, bool Valid)[] cases)
    {
        var grammar = CompileGrammar(schema);
        var validator = JsonSchemaValidator.Compile(schema, new JsonSchemaValidatorOptions { AssertFormat = true });
        foreach (var (instance, valid) in cases)
        {
            using var doc = JsonDocument.Parse(instance);
            Assert.True(valid == validator.IsValid(doc.RootElement), $"test case itself is mislabelled: {instance}");
            Assert.True(valid == AcceptsTokens(grammar, JsonText.Serialize(doc.RootElement)), $"{(valid ? "rejected" : "accepted")}: {instance}");
        }
    }

    [Fact]
    public void Object_RequiredOptionalAndAdditionalProperties()
    {
        AssertVerdicts("""
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0},"tags":{"type":"array","items":{"type":"string"}}},
             "required":["name"],"additionalProperties":false}
            """,
        [
            ("""{"name":"Ann"}""", true),
            ("""{"name":"Ann","age":3}""", true),
            ("""{"name":"Ann","tags":["a","b"]}""", true),
            ("""{"name":"Ann","age":3,"tags":[]}""", true),
            ("""{"age":3}""", false),
            ("""{"name":"Ann","age":-1}""", false),
            ("""{"name":"Ann","extra":1}""", false),
            ("""{"name":3}""", false),
            ("""[]""", false),
        ]);
    }

    [Fact]
    public void Object_ExtraKeysCannotReuseDeclaredNames()
    {
        AssertVerdicts("""{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}}}""",
        [
            ("""{"x":1,"y":2,"z":"anything"}""", true),
            ("""{"x":1,"yy":"s","y0":[1]}""", true),
            ("""{}""", true),
            ("""{"z":0,"x":1,"w":2,"y":3,"v":4}""", true),
            ("""{"x":1,"y":"twenty"}""", false),
        ]);
    }

    [Fact]
    public void FlexibleWhitespace_IsAcceptedAroundStructure_CompactRejectsIt()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"}}}}""";
        const string spaced = "{ \"a\" : [ 1 ,\n 2 ] }";
        Assert.True(AcceptsBytes(CompileGrammar(schema), spaced));
        Assert.False(AcceptsBytes(CompileGrammar(schema, new JsonSchemaCompilerOptions { CompactWhitespace = true }), spaced));
        Assert.True(AcceptsBytes(CompileGrammar(schema, new JsonSchemaCompilerOptions { CompactWhitespace = true }), "{\"a\":[1,2]}"));
    }

    [Fact]
    public void Recursion_ThroughRefs()
    {
        AssertVerdicts("""
            {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
              "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"],"additionalProperties":false}}}
            """,
        [
            ("""{"value":1}""", true),
            ("""{"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4}]}""", true),
            ("""{"value":1,"children":[{"children":[]}]}""", false),
            ("""{"value":1,"children":[{"value":"x"}]}""", false),
        ]);
    }

    [Fact]
    public void Enum_Const_AnyOf_AllOf()
    {
        AssertVerdicts("""{"enum":["red","green",3,null,{"a":1}]}""",
            [("\"red\"", true), ("3", true), ("null", true), ("""{"a":1}""", true), ("\"blue\"", false), ("4", false), ("\"re\"", false)]);
        AssertVerdicts("""{"const":"only"}""", [("\"only\"", true), ("\"other\"", false)]);
        AssertVerdicts("""{"type":"string","enum":["a",1,null]}""", [("\"a\"", true), ("1", false), ("null", false)]);
        AssertVerdicts("""{"enum":[2.0]}""", [("2", true), ("2.0", true), ("3", false)]);
        // Draft 7: keywords beside $ref are ignored (here an impossible "type").
        AssertVerdicts("""{"$schema":"http://json-schema.org/draft-07/schema#","$ref":"#/definitions/o","type":"string","definitions":{"o":{"type":"object"}}}""",
            [("{}", true), ("\"s\"", false)]);
        AssertVerdicts("""{"anyOf":[{"type":"string","maxLength":2},{"type":"integer","maximum":5}]}""",
            [("\"ab\"", true), ("5", true), ("\"abc\"", false), ("6", false), ("true", false)]);
        AssertVerdicts("""{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"required":["b"],"properties":{"b":{"type":"boolean"}}}]}""",
            [("""{"a":1,"b":true}""", true), ("""{"a":1}""", false), ("""{"a":1,"b":2}""", false)]);
        // Two anyOf lists under allOf: distributed over each other.
        AssertVerdicts("""{"allOf":[{"anyOf":[{"type":"integer"},{"type":"string"}]},{"anyOf":[{"minimum":5},{"maxLength":1}]}]}""",
            [("7", true), ("\"a\"", true), ("true", false)]);
    }

    [Fact]
    public void Array_TupleAndCounts()
    {
        AssertVerdicts("""{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"boolean"},"minItems":1,"maxItems":4}""",
        [
            ("""["a"]""", true), ("""["a",1]""", true), ("""["a",1,true,false]""", true),
            ("""[]""", false), ("""[1]""", false), ("""["a",1,true,false,true]""", false), ("""["a",1,2]""", false),
        ]);
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":-37,"maximum":1234}""")]
    [InlineData("""{"type":"integer","exclusiveMinimum":5}""")]
    [InlineData("""{"type":"integer","maximum":-3}""")]
    [InlineData("""{"type":"integer","minimum":0,"exclusiveMaximum":100}""")]
    [InlineData("""{"type":"integer","minimum":1.5,"maximum":999.9}""")]
    [InlineData("""{"type":"integer","minimum":-1000,"maximum":-10}""")]
    [InlineData("""{"type":"integer","minimum":19,"maximum":20}""")]
    public void IntegerRanges_MatchTheValidatorExhaustively(string schema)
    {
        var grammar = CompileGrammar(schema);
        var validator = JsonSchemaValidator.Compile(schema);
        for (int i = -1500; i <= 1500; i++)
        {
            string text = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var doc = JsonDocument.Parse(text);
            Assert.True(validator.IsValid(doc.RootElement) == AcceptsBytes(grammar, text), $"{schema} disagrees at {i}");
        }
        Assert.False(AcceptsBytes(grammar, "007"));
        Assert.False(AcceptsBytes(grammar, "-0"));
    }

    [Fact]
    public void IntegerRange_HugeBoundsStayExact()
    {
        var grammar = CompileGrammar("""{"type":"integer","minimum":-99999999999999999999,"maximum":123456789012345678901234}""");
        Assert.True(AcceptsBytes(grammar, "123456789012345678901234"));
        Assert.False(AcceptsBytes(grammar, "123456789012345678901235"));
        Assert.True(AcceptsBytes(grammar, "-99999999999999999999"));
        Assert.False(AcceptsBytes(grammar, "-100000000000000000000"));
    }

    [Fact]
    public void StringPatterns_ApplyToDecodedValues()
    {
        // A quote and a backslash in the pattern appear escaped in the JSON text.
        AssertVerdicts("""{"type":"string","pattern":"^[a-z\"\\\\]+$"}""",
            [("\"ab\\\"c\\\\\"", true), ("\"abc\"", true), ("\"aB\"", false), ("\"\"", false)]);
        // Unanchored patterns match anywhere.
        AssertVerdicts("""{"type":"string","pattern":"[0-9]{3}"}""",
            [("\"x123y\"", true), ("\"123\"", true), ("\"12\"", false)]);
        // A newline in the value is "\n" in the text.
        AssertVerdicts("""{"type":"string","pattern":"^a\\nb$"}""", [("\"a\\nb\"", true), ("\"a b\"", false)]);
        // Anchors inside groups are dropped (matching anywhere): wider, never narrower.
        AssertVerdicts("""{"type":"string","pattern":"(^[0-9]+\\.[0-9]+$)"}""", [("\"1.5\"", true), ("\"15\"", false)]);
        AssertVerdicts("""{"type":"string","minLength":2,"maxLength":3}""",
            [("\"ab\"", true), ("\"a\\\"c\"", true), ("\"é€\"", true), ("\"a\"", false), ("\"abcd\"", false)]);
    }

    [Fact]
    public void Formats()
    {
        AssertVerdicts("""{"type":"string","format":"date"}""", [("\"2024-02-29\"", true), ("\"2024-13-01\"", false), ("\"x\"", false)]);
        AssertVerdicts("""{"type":"string","format":"date-time"}""", [("\"2024-02-29T10:11:12Z\"", true), ("\"2024-02-29 10:11\"", false)]);
        AssertVerdicts("""{"type":"string","format":"uuid"}""", [("\"123e4567-e89b-12d3-a456-426614174000\"", true), ("\"123e4567\"", false)]);
        AssertVerdicts("""{"type":"string","format":"ipv4"}""", [("\"192.168.0.1\"", true), ("\"256.1.1.1\"", false)]);
    }

    [Theory]
    [InlineData("""{"$ref":"other.json#/a"}""", "$ref")]
    [InlineData("""{"allOf":[{"type":"string","pattern":"a"},{"pattern":"b"}]}""", "allOf")]
    [InlineData("""{"type":"string","pattern":"(?=a)b"}""", "pattern")]
    [InlineData("""{"type":"wat"}""", "type")]
    public void UnsupportedKeywords_RaiseAnErrorNamingThem(string schema, string keyword)
    {
        var e = Assert.Throws<JsonSchemaCompileException>(() => JsonSchemaCompiler.Compile(schema));
        Assert.Equal(keyword, e.Keyword);
    }

    [Fact]
    public void PathologicalSchemas_CompileInBoundedTime()
    {
        var sw = Stopwatch.StartNew();
        string deep = string.Concat(Enumerable.Repeat("""{"type":"array","items":""", 1000)) + "{}" + new string('}', 1000);
        Assert.Throws<JsonSchemaCompileException>(() => JsonSchemaCompiler.Compile(deep));

        var values = string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"\"value{i}\""));
        var bigEnum = CompileGrammar($$"""{"enum":[{{values}}]}""");
        Assert.True(AcceptsBytes(bigEnum, "\"value9999\""));
        Assert.False(AcceptsBytes(bigEnum, "\"value10000\""));

        var manyItems = CompileGrammar("""{"type":"array","minItems":100000,"items":{"type":"integer"}}""");
        Assert.True(AcceptsBytes(manyItems, "[1,2,3]")); // relaxed bound: over-approximation, never rejects valid
        var hugeRange = CompileGrammar("""{"type":"integer","minimum":-1e30,"maximum":1e30}""");
        Assert.True(AcceptsBytes(hugeRange, "1000000000000000000000000000000"));
        Assert.False(AcceptsBytes(hugeRange, "1000000000000000000000000000001"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
    }

    /// <summary>
    /// A deterministic spread of MaskBench files (every 64th, across all subsets): every compiled schema accepts all
    /// of its valid instances token by token, whatever their key order.
    /// </summary>
    [Fact]
    public void MaskBenchReplay_HasNoValidationErrors()
    {
        var all = MaskBenchRunner.ExpandPaths([SharedData.PathOf("jsonschema", "maskbench")]);
        var files = all.Where((_, i) => i % 64 == 0).ToList();
        var report = new MaskBenchRunner(Llama.Tokenizer).Run(files);
        Assert.Equal(files.Count, report.Schemas);
        var failures = report.Outcomes.Where(o => o.Status == MaskBenchStatus.ValidationError).Select(o => $"{o.Name}: {o.Reason}");
        Assert.Empty(failures);
        // Measured 2026-11: 106 of 120 pass (the rest: invalid instances accepted, see Compilation/README.md).
        Assert.True(report.Count(MaskBenchStatus.Passing) >= 100, $"only {report.Count(MaskBenchStatus.Passing)} of {files.Count} pass");
        Assert.NotEmpty(report.TbmMicroseconds);
    }

    /// <summary>Under <see cref="PropertyOrder.Schema"/>, a valid instance rejected only for its key order is reported as such.</summary>
    [Fact]
    public void MaskBenchReplay_SchemaOrder_FlagsPropertyOrderOnlyRejections()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a","b"]}""");
        using var tests = JsonDocument.Parse("""[{"valid":true,"data":{"b":"x","a":1}}]""");
        var ordered = new MaskBenchRunner(Llama.Tokenizer, new JsonSchemaCompilerOptions { PropertyOrder = PropertyOrder.Schema })
            .RunSchema("order", schema.RootElement, tests.RootElement, new MaskBenchReport());
        Assert.Equal(MaskBenchStatus.ValidationError, ordered.Status);
        Assert.True(ordered.PropertyOrderOnly, ordered.Reason);
        var any = new MaskBenchRunner(Llama.Tokenizer).RunSchema("order", schema.RootElement, tests.RootElement, new MaskBenchReport());
        Assert.Equal(MaskBenchStatus.Passing, any.Status);
    }
}
