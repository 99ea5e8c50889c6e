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
/// patternProperties of an "any key" shape (".*", "^.*$", ".+", ...): additionalProperties applies only to the keys no
/// pattern matches, so the grammar accepts exactly what the validator accepts.
/// </summary>
public sealed class JsonSchemaUnmatchedKeysTests
{
    // Keys as JSON string texts: plain, empty, line terminators alone and inside.
    private static readonly string[] Keys = ["\"a\"", "\"\"", "\"\\n\"", "\"x\\ny\"", "\"\\r\\n\"", "\"b c\""];
    private static readonly string[] Values = ["1", "\"s\"", "true"];

    [Theory]
    [InlineData(".*")]
    [InlineData("^.*$")]
    [InlineData(".+")]
    [InlineData(".")]
    [InlineData("^.+$")]
    [InlineData("")]
    public void Single_members_are_accepted_exactly_when_valid(string pattern)
    {
        foreach (string additional in (string[])["{\"type\":\"integer\"}", "false", "true"])
        {
            string schema = "{\"type\":\"object\",\"patternProperties\":{" + JsonSerializer.Serialize(pattern) +
                ":{\"type\":\"string\"}},\"additionalProperties\":" + additional + "}";
            var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
            var validator = JsonSchemaValidator.Compile(schema);
            foreach (string key in Keys)
                foreach (string value in Values)
                {
                    string text = "{" + key + ":" + value + "}";
                    Assert.True(IsValid(validator, text) == Accepts(grammar, text), $"{schema} {text}: validator {IsValid(validator, text)}");
                }
        }
    }

    [Fact]
    public void Declared_properties_keep_their_schema()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"boolean"}},"patternProperties":{"^.*$":{"type":"string"}},"additionalProperties":false}""";
        var grammar = new CompiledGrammar(JsonSchemaCompiler.Compile(schema));
        var validator = JsonSchemaValidator.Compile(schema);
        foreach (string text in (string[])["{\"b\":\"s\"}", "{\"b\":1}", "{\"\\n\":\"s\"}", "{}"])
            Assert.True(IsValid(validator, text) == Accepts(grammar, text), text);
    }
}
