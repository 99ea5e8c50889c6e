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
/// Bounds on non-integer numbers: for number texts without an exponent the grammar accepts exactly what the validator
/// accepts; generating, every text the grammar accepts validates.
/// </summary>
public sealed class JsonSchemaNumberBoundsTests
{
    /// <summary>Plain decimals around the interesting values: -12.5 … 12.5 in many spellings.</summary>
    private static IEnumerable<string> Numbers()
    {
        string[] integers = ["0", "1", "2", "9", "10", "11", "12", "99", "100", "101", "459", "460"];
        string[] fractions = ["", ".0", ".00", ".001", ".01", ".009", ".05", ".049", ".051", ".1", ".10", ".25", ".5", ".50", ".500", ".501", ".499", ".67", ".66", ".68", ".9", ".99", ".999"];
        foreach (string i in integers)
            foreach (string f in fractions)
            {
                yield return i + f;
                yield return "-" + i + f;
            }
    }

    [Theory]
    [InlineData("""{"type":"number","minimum":-127}""")]
    [InlineData("""{"type":"number","minimum":-459.67}""")]
    [InlineData("""{"type":"number","maximum":100}""")]
    [InlineData("""{"type":"number","minimum":0,"maximum":1}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1}""")]
    [InlineData("""{"type":"number","minimum":0.5,"maximum":0.5}""")]
    [InlineData("""{"type":"number","minimum":0.05,"maximum":0.501}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":0.05,"exclusiveMaximum":0.501}""")]
    [InlineData("""{"type":"number","minimum":-12.5,"maximum":-0.01}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":-10.5,"maximum":11.25}""")]
    [InlineData("""{"type":"number","minimum":-1e-2,"exclusiveMaximum":1.2e1}""")]
    [InlineData("""{"type":"number","minimum":10,"exclusiveMinimum":true}""")]
    [InlineData("""{"type":"number","minimum":-0.5,"maximum":0}""")]
    [InlineData("""{"type":"number","minimum":0,"exclusiveMaximum":0.001}""")]
    public void Plain_decimals_are_accepted_exactly_when_valid(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string text in Numbers())
            Assert.True(IsValid(validator, text) == Accepts(grammar, text), $"{text}: validator {IsValid(validator, text)}");
    }

    [Theory]
    [InlineData("""{"type":"number","minimum":-127}""", "-1e3")]
    [InlineData("""{"type":"number","maximum":100}""", "1.5e1")]
    public void Exponent_texts_keep_the_sign_rule(string schema, string valid)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        Assert.True(Accepts(grammar, valid));
    }

    [Theory]
    [InlineData("""{"type":"number","minimum":-1.5}""")]
    [InlineData("""{"type":"number","exclusiveMaximum":0.25}""")]
    [InlineData("""{"type":"number","minimum":0.05,"maximum":100.5}""")]
    public void Generating_accepts_only_valid_texts(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema, new JsonSchemaCompilerOptions { MaxNumberDigits = 3 }));
        var validator = JsonSchemaValidator.Compile(schema);
        int accepted = 0;
        foreach (string text in Numbers().Concat(["1e2", "-1e2", "5e-1"]))
        {
            if (!Accepts(grammar, text)) continue;
            accepted++;
            Assert.True(IsValid(validator, text), text);
        }
        Assert.True(accepted > 10);
    }

    [Theory]
    [InlineData("""{"$schema":"http://json-schema.org/draft-04/schema#","type":"integer"}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"integer"}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","multipleOf":1}""")]
    public void Zero_fractions_are_integers_except_in_draft_4(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string text in (string[])["2", "2.0", "-3.00", "2.5"])
            Assert.True(IsValid(validator, text) == Accepts(grammar, text), $"{text}: validator {IsValid(validator, text)}");
    }
}
