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
/// minProperties/maxProperties: the grammar accepts an object text exactly when the validator accepts it, counting
/// declared and extra keys alike, in any order.
/// </summary>
public sealed class JsonSchemaPropertyCountTests
{
    private static readonly string[] Values = ["1", "\"s\""];

    [Theory]
    [InlineData("""{"type":"object","minProperties":1}""")]
    [InlineData("""{"type":"object","maxProperties":0}""")]
    [InlineData("""{"type":"object","minProperties":2,"maxProperties":3}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{}},"minProperties":2}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{}},"required":["a"],"maxProperties":2}""")]
    [InlineData("""{"type":"object","properties":{"a":{},"b":{}},"additionalProperties":false,"minProperties":1,"maxProperties":1}""")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{"type":"string"}},"additionalProperties":false,"minProperties":1}""")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":["a"],"minProperties":3}""")]
    public void Objects_are_accepted_exactly_when_valid(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        int accepted = 0, total = 0;
        foreach (string text in AllObjects(["a", "b", "x", "y"], Values))
        {
            bool valid = IsValid(validator, text);
            Assert.True(valid == Accepts(grammar, text), $"{text}: validator {valid}");
            if (valid) accepted++;
            total++;
        }
        Assert.InRange(accepted, 1, total - 1);
    }

    [Fact]
    public void Fewer_properties_possible_than_required_compile_to_no_instance()
    {
        var e = Assert.Throws<JsonSchemaCompileException>(() =>
            JsonSchemaCompiler.Compile("""{"type":"object","properties":{"a":{}},"additionalProperties":false,"minProperties":2}"""));
        Assert.Equal("schema", e.Keyword);
    }
}
