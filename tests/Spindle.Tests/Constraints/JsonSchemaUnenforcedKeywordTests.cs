using Spindle.Constraints.JsonSchema.Compilation;

namespace Spindle.Tests.Constraints;

/// <summary>Keywords a grammar cannot enforce are compile errors naming them, never silently ignored.</summary>
public sealed class JsonSchemaUnenforcedKeywordTests
{
    [Theory]
    [InlineData("""{"type":"array","items":{"type":"string"},"uniqueItems":true}""", "uniqueItems")]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","uniqueItems":true,"maxItems":3}}}""", "uniqueItems")]
    [InlineData("""{"allOf":[{"type":"array"},{"uniqueItems":true}]}""", "uniqueItems")]
    [InlineData("""{"type":"object","if":{"required":["a"]},"then":{"required":["b"]}}""", "if")]
    [InlineData("""{"properties":{"x":{"if":{"type":"string"},"else":{"type":"integer"}}}}""", "if")]
    public void Unenforceable_keywords_are_named(string schema, string keyword)
    {
        var e = Assert.Throws<JsonSchemaCompileException>(() => JsonSchemaCompiler.Compile(schema));
        Assert.Equal(keyword, e.Keyword);
    }

    [Theory]
    [InlineData("""{"type":"array","uniqueItems":true,"maxItems":1}""")]
    [InlineData("""{"type":"array","uniqueItems":false}""")]
    [InlineData("""{"type":"object","if":{"required":["a"]}}""")]
    public void Trivially_satisfied_forms_compile(string schema) => Assert.NotNull(JsonSchemaCompiler.Compile(schema));
}
