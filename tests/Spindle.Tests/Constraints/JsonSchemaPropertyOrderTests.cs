using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;
using Spindle.Tests.Constraints.Grammar;

using static Spindle.Tests.Constraints.GrammarValidatorAgreement;

namespace Spindle.Tests.Constraints;

/// <summary>
/// Objects whose declared properties come in any order (the default): the compiled grammar must accept an object text
/// exactly when the validator accepts the instance, whatever the key order, with each key at most once.
/// </summary>
public sealed class JsonSchemaPropertyOrderTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{}},"required":["a","c"],"additionalProperties":false}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["b"],"additionalProperties":{"type":"string"}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["z"],"additionalProperties":{"type":"integer"}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"patternProperties":{"^z":{"type":"string"}},"additionalProperties":false}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"integer"}},"required":["c","b","a"]}""")]
    [InlineData("""{"type":"object","properties":{"a":false,"b":{"type":"integer"}}}""")]
    public void EveryKeyOrderAndSubset_AcceptedExactlyWhenValid(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        int valid = 0, total = 0;
        foreach (string instance in AllObjects(["a", "b", "c", "z"], ["1", "\"s\""]))
        {
            bool expected = IsValid(validator, instance);
            Assert.True(expected == Accepts(grammar, instance), $"{(expected ? "rejected" : "accepted")}: {instance}");
            valid += expected ? 1 : 0;
            total++;
        }
        Assert.Equal(633, total);
        Assert.InRange(valid, 1, total - 1); // the schema discriminates, so the check above can fail both ways
    }

    [Fact]
    public void RepeatedKeys_AreRejected()
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile("""{"type":"object","properties":{"a":{"type":"integer"},"b":{}}}"""));
        Assert.True(Accepts(grammar, """{"b":1,"a":2}"""));
        Assert.False(Accepts(grammar, """{"a":1,"a":2}"""));
        Assert.False(Accepts(grammar, """{"a":1,"b":2,"a":3}"""));
    }

    [Fact]
    public void SchemaOrderOption_AcceptsOnlyTheDeclaredOrder()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}""";
        var ordered = new CompiledGrammar(JsonSchemaCompiler.Compile(schema, new JsonSchemaCompilerOptions { PropertyOrder = PropertyOrder.Schema }));
        var any = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        Assert.True(Accepts(ordered, """{"a":1,"b":2}"""));
        Assert.False(Accepts(ordered, """{"b":2,"a":1}"""));
        Assert.True(Accepts(any, """{"b":2,"a":1}"""));
        Assert.True(Accepts(any, """{ "b" : 2 ,"a":1 }"""));
    }

    /// <summary>A wide object (2^40 key sets): random subsets in random orders, nested objects and extra keys, against the validator.</summary>
    [Fact]
    public void WideObject_RandomOrders_MatchTheValidator()
    {
        var props = new StringBuilder();
        for (int i = 0; i < 40; i++)
            props.Append(i == 0 ? "" : ",").Append($"\"p{i}\":").Append(i % 3 == 0
                ? """{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["y"],"additionalProperties":false}"""
                : """{"type":"integer"}""");
        string schema = """{"type":"object","properties":{""" + props + """},"required":["p1","p7","p39"],"additionalProperties":{"type":"string"}}""";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        var random = new Random(12345);
        int valid = 0;
        for (int round = 0; round < 300; round++)
        {
            bool forceRequired = random.Next(10) < 8;
            var keys = Enumerable.Range(0, 40).Where(i => random.Next(3) > 0 || (forceRequired && i is 1 or 7 or 39)).ToList();
            var members = keys.Select(i => $"\"p{i}\":" + (random.Next(40) == 0 ? "\"wrong\"" : i % 3 == 0
                ? (random.Next(3) == 0 ? """{"y":2}""" : """{"y":2,"x":1}""")
                : "5")).ToList();
            if (random.Next(4) == 0) members.Add(random.Next(3) == 0 ? "\"extra\":1" : "\"extra\":\"s\"");
            string instance = "{" + string.Join(",", members.OrderBy(_ => random.Next())) + "}";
            bool expected = IsValid(validator, instance);
            valid += expected ? 1 : 0;
            Assert.True(expected == Accepts(grammar, instance), $"{(expected ? "rejected" : "accepted")}: {instance}");
        }
        Assert.InRange(valid, 1, 299);
    }

    /// <summary>Sequences on many threads share one grammar while its lazy rules are materialized.</summary>
    [Fact]
    public void SharedGrammar_MaterializesLazyRulesSafelyAcrossThreads()
    {
        var props = string.Join(",", Enumerable.Range(0, 24).Select(i => $"\"k{i}\":{{\"type\":\"integer\"}}"));
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile("""{"type":"object","properties":{""" + props + """},"additionalProperties":false}"""));
        var results = new bool[64];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var random = new Random(i);
            var keys = Enumerable.Range(0, 24).OrderBy(_ => random.Next()).Take(12 + i % 12);
            results[i] = Accepts(grammar, "{" + string.Join(",", keys.Select(k => $"\"k{k}\":{k}")) + "}")
                && !Accepts(grammar, "{\"k1\":1,\"k1\":1}");
        });
        Assert.All(results, Assert.True);
    }

    [Fact]
    public void EnumAndConstObjects_AcceptAnyKeyOrderAndWhitespace()
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile("""{"enum":[{"a":1,"b":[true,{"c":null}]},"x",2]}"""));
        Assert.True(Accepts(grammar, """{"b":[true,{"c":null}],"a":1}"""));
        Assert.True(Accepts(grammar, """{ "a" : 1.0 , "b" : [ true , { "c" : null } ] }"""));
        Assert.True(Accepts(grammar, "\"x\""));
        Assert.True(Accepts(grammar, "2"));
        Assert.False(Accepts(grammar, """{"a":1}"""));
        Assert.False(Accepts(grammar, """{"a":1,"b":[true,{"c":null}],"a":1}"""));
        Assert.False(Accepts(grammar, """{"a":1,"b":[{"c":null},true]}"""));
    }

    /// <summary>Documented over-approximation: a declared key matched by a pattern is checked against the pattern's schema only.</summary>
    [Fact]
    public void PatternPropertiesMatchingADeclaredKey_NeverRejectsAValidInstance()
    {
        const string schema = """{"type":"object","properties":{"name":{"type":"string","maxLength":3},"age":{"type":"integer"}},"required":["name"],"patternProperties":{"^n":{"type":"string"}},"additionalProperties":false}""";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string instance in AllObjects(["name", "age", "nx", "z"], ["1", "\"s\""]))
            if (IsValid(validator, instance)) Assert.True(Accepts(grammar, instance), instance);
        Assert.False(Accepts(grammar, """{"age":"s"}"""));
        Assert.False(Accepts(grammar, """{"z":1}"""));
    }

    /// <summary>Eighteen required keys all matched by one pattern: compiles and replays in bounded time (no key-set blow-up).</summary>
    [Fact]
    public void ManyRequiredKeysMatchedByAPattern_StayBounded()
    {
        var names = Enumerable.Range(0, 18).Select(i => $"\"k{i}\"").ToList();
        string schema = """{"type":"object","patternProperties":{"k":{"type":"number"}},"additionalProperties":false,"required":[""" + string.Join(",", names) + "]}";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        Assert.True(Accepts(grammar, "{" + string.Join(",", names.Select(n => n + ":1")) + "}"));
        Assert.False(Accepts(grammar, """{"z":1}"""));
    }
}
