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
/// multipleOf: for integer texts and plain decimals the grammar accepts exactly what the validator accepts; steps it
/// cannot express are a compile error naming the keyword.
/// </summary>
public sealed class JsonSchemaMultipleOfTests
{
    private static IEnumerable<string> Texts()
    {
        for (int i = -130; i <= 130; i++) yield return i.ToString();
        foreach (int i in (int[])[1000, 1024, 1025, 2000, 12345, 123456, 100000, -1000, -2048])
            yield return i.ToString();
        foreach (string f in (string[])["0.5", "1.0", "2.50", "10.01", "10.001", "99.99", "99.991", "-0.05", "-7.10", "6.51", "3.000", "0.1"])
            yield return f;
    }

    [Theory]
    [InlineData("""{"type":"integer","multipleOf":4}""")]
    [InlineData("""{"type":"integer","multipleOf":5,"minimum":0}""")]
    [InlineData("""{"type":"integer","multipleOf":7,"minimum":-100,"maximum":100}""")]
    [InlineData("""{"type":"integer","multipleOf":16}""")]
    [InlineData("""{"type":"integer","multipleOf":100,"minimum":-250}""")]
    [InlineData("""{"type":"integer","multipleOf":10,"exclusiveMinimum":10,"maximum":2000}""")]
    [InlineData("""{"type":"integer","multipleOf":2.5}""")]
    [InlineData("""{"type":"number","multipleOf":1.0}""")]
    [InlineData("""{"type":"number","multipleOf":0.01}""")]
    [InlineData("""{"type":"number","multipleOf":0.1,"minimum":-7.1,"maximum":99}""")]
    [InlineData("""{"type":"number","multipleOf":0.01,"exclusiveMinimum":0}""")]
    public void Texts_are_accepted_exactly_when_valid(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string text in Texts())
            Assert.True(IsValid(validator, text) == Accepts(grammar, text), $"{text}: validator {IsValid(validator, text)}");
    }

    [Theory]
    [InlineData("""{"type":"integer","multipleOf":7}""")]
    [InlineData("""{"type":"integer","multipleOf":3,"minimum":0}""")]
    [InlineData("""{"type":"number","multipleOf":0.25}""")]
    public void Inexpressible_steps_name_the_keyword(string schema)
    {
        var e = Assert.Throws<JsonSchemaCompileException>(() => JsonSchemaCompiler.Compile(schema));
        Assert.Equal("multipleOf", e.Keyword);
    }

    [Theory]
    [InlineData("""{"type":"integer","multipleOf":7,"minimum":0}""")]
    [InlineData("""{"type":"integer","multipleOf":3}""")]
    [InlineData("""{"type":"number","multipleOf":0.01,"minimum":1.5}""")]
    public void Generating_accepts_only_multiples(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema, new JsonSchemaCompilerOptions { MaxNumberDigits = 4 }));
        var validator = JsonSchemaValidator.Compile(schema);
        int accepted = 0;
        foreach (string text in Texts())
        {
            if (!Accepts(grammar, text)) continue;
            accepted++;
            Assert.True(IsValid(validator, text), text);
        }
        Assert.True(accepted > 5);
    }
}
