using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;
using Spindle.Tests.Constraints.Grammar;

namespace Spindle.Tests.Constraints;

/// <summary>
/// Objects whose declared properties come in any order (the default): the compiled grammar must accept an object text
/// exactly when the validator accepts the instance, whatever the key order, with each key at most once.
/// </summary>
public sealed class JsonSchemaPropertyOrderTests
{
    private static readonly RealVocabulary Llama = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");

    private static bool AcceptsBytes(CompiledGrammar grammar, string text)
    {
        var matcher = new Matcher(grammar, Llama.Trie);
        return matcher.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && matcher.IsAccepting;
    }

    private static bool IsValid(JsonSchemaValidator validator, string instance)
    {
        using var doc = JsonDocument.Parse(instance);
        return validator.IsValid(doc.RootElement);
    }

    /// <summary>Every object over <paramref name="keys"/> (each key at most once, any order) with each value from <paramref name="values"/>.</summary>
    private static IEnumerable<string> AllObjects(string[] keys, string[] values)
    {
        var used = new bool[keys.Length];
        var members = new List<string>();
        IEnumerable<string> Extend()
        {
            yield return "{" + string.Join(",", members) + "}";
            for (int k = 0; k < keys.Length; k++)
            {
                if (used[k]) continue;
                used[k] = true;
                foreach (string v in values)
                {
                    members.Add($"\"{keys[k]}\":{v}");
                    foreach (var o in Extend()) yield return o;
                    members.RemoveAt(members.Count - 1);
                }
                used[k] = false;
            }
        }
        return Extend();
    }

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
            Assert.True(expected == AcceptsBytes(grammar, instance), $"{(expected ? "rejected" : "accepted")}: {instance}");
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
        Assert.True(AcceptsBytes(grammar, """{"b":1,"a":2}"""));
        Assert.False(AcceptsBytes(grammar, """{"a":1,"a":2}"""));
        Assert.False(AcceptsBytes(grammar, """{"a":1,"b":2,"a":3}"""));
    }

    [Fact]
    public void SchemaOrderOption_AcceptsOnlyTheDeclaredOrder()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}""";
        var ordered = new CompiledGrammar(JsonSchemaCompiler.Compile(schema, new JsonSchemaCompilerOptions { PropertyOrder = PropertyOrder.Schema }));
        var any = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        Assert.True(AcceptsBytes(ordered, """{"a":1,"b":2}"""));
        Assert.False(AcceptsBytes(ordered, """{"b":2,"a":1}"""));
        Assert.True(AcceptsBytes(any, """{"b":2,"a":1}"""));
        Assert.True(AcceptsBytes(any, """{ "b" : 2 ,"a":1 }"""));
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
            Assert.True(expected == AcceptsBytes(grammar, instance), $"{(expected ? "rejected" : "accepted")}: {instance}");
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
            results[i] = AcceptsBytes(grammar, "{" + string.Join(",", keys.Select(k => $"\"k{k}\":{k}")) + "}")
                && !AcceptsBytes(grammar, "{\"k1\":1,\"k1\":1}");
        });
        Assert.All(results, Assert.True);
    }

    [Fact]
    public void EnumAndConstObjects_AcceptAnyKeyOrderAndWhitespace()
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile("""{"enum":[{"a":1,"b":[true,{"c":null}]},"x",2]}"""));
        Assert.True(AcceptsBytes(grammar, """{"b":[true,{"c":null}],"a":1}"""));
        Assert.True(AcceptsBytes(grammar, """{ "a" : 1.0 , "b" : [ true , { "c" : null } ] }"""));
        Assert.True(AcceptsBytes(grammar, "\"x\""));
        Assert.True(AcceptsBytes(grammar, "2"));
        Assert.False(AcceptsBytes(grammar, """{"a":1}"""));
        Assert.False(AcceptsBytes(grammar, """{"a":1,"b":[true,{"c":null}],"a":1}"""));
        Assert.False(AcceptsBytes(grammar, """{"a":1,"b":[{"c":null},true]}"""));
    }

    /// <summary>Documented over-approximation: a declared key matched by a pattern is checked against the pattern's schema only.</summary>
    [Fact]
    public void PatternPropertiesMatchingADeclaredKey_NeverRejectsAValidInstance()
    {
        const string schema = """{"type":"object","properties":{"name":{"type":"string","maxLength":3},"age":{"type":"integer"}},"required":["name"],"patternProperties":{"^n":{"type":"string"}},"additionalProperties":false}""";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string instance in AllObjects(["name", "age", "nx", "z"], ["1", "\"s\""]))
            if (IsValid(validator, instance)) Assert.True(AcceptsBytes(grammar, instance), instance);
        Assert.False(AcceptsBytes(grammar, """{"age":"s"}"""));
        Assert.False(AcceptsBytes(grammar, """{"z":1}"""));
    }

    /// <summary>Eighteen required keys all matched by one pattern: compiles and replays in bounded time (no key-set blow-up).</summary>
    [Fact]
    public void ManyRequiredKeysMatchedByAPattern_StayBounded()
    {
        var names = Enumerable.Range(0, 18).Select(i => $"\"k{i}\"").ToList();
        string schema = """{"type":"object","patternProperties":{"k":{"type":"number"}},"additionalProperties":false,"required":[""" + string.Join(",", names) + "]}";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        Assert.True(AcceptsBytes(grammar, "{" + string.Join(",", names.Select(n => n + ":1")) + "}"));
        Assert.False(AcceptsBytes(grammar, """{"z":1}"""));
    }
}
