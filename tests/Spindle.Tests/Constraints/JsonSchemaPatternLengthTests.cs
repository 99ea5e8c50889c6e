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
/// minLength/maxLength beside an anchored pattern of fixed characters around one repeated class: the grammar accepts
/// exactly the strings the validator accepts.
/// </summary>
public sealed class JsonSchemaPatternLengthTests
{
    /// <summary>Every string over {a, 1, -} up to length 6.</summary>
    private static IEnumerable<string> Strings()
    {
        var current = new List<string> { "" };
        for (int length = 0; length <= 6; length++)
        {
            foreach (string s in current) yield return "\"" + s + "\"";
            current = current.SelectMany(s => new[] { s + "a", s + "1", s + "-" }).ToList();
        }
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^[a-z0-9-]+$","minLength":3}""")]
    [InlineData("""{"type":"string","pattern":"^[a-z0-9-]*$","maxLength":4}""")]
    [InlineData("""{"type":"string","pattern":"^[a-z][a-z0-9-]*$","minLength":2,"maxLength":5}""")]
    [InlineData("""{"type":"string","pattern":"^a[0-9]{1,3}-$","minLength":4}""")]
    [InlineData("""{"type":"string","pattern":"^[a1]{3}$","maxLength":3}""")]
    public void Strings_are_accepted_exactly_when_valid(string schema)
    {
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        int accepted = 0;
        foreach (string text in Strings())
        {
            bool valid = IsValid(validator, text);
            Assert.True(valid == Accepts(grammar, text), $"{text}: validator {valid}");
            if (valid) accepted++;
        }
        Assert.True(accepted > 0);
    }

    [Fact]
    public void A_fixed_length_pattern_outside_the_length_bounds_has_no_instance()
    {
        var e = Assert.Throws<JsonSchemaCompileException>(() =>
            JsonSchemaCompiler.Compile("""{"type":"string","pattern":"^[a-z]{3}$","minLength":4}"""));
        Assert.Equal("schema", e.Keyword);
    }
}
