using System.Text.Json;
using Spindle.Constraints.JsonSchema.Validation;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle generate --json-schema FILE | --json-schema-inline TEXT [--json-compact | --json-spaced]`: valid JSON out, one-line errors in.</summary>
public sealed class GenerateJsonSchemaCommandTests
{
    private const string Schema = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer","minimum":1,"maximum":99}},
         "required":["name","age"],"additionalProperties":false}
        """;

    // stories260K: its byte-fallback vocabulary can spell '{' (tinystories-656K's cannot).
    private static CliRunner.Result Generate(params string[] extra) =>
        CliRunner.Run(["generate", "-m", Stories260K, "-p", "Once upon a time", "-t", "1", "-n", "200", .. extra]);

    private static void AssertOneLineError(CliRunner.Result r, string fragment)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: ", r.ErrorLines[0]);
        Assert.Contains(fragment, r.ErrorLines[0]);
        Assert.Equal("", r.Out.Trim());
    }

    private static string TempFile(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-schema-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SchemaFileGivesValidJson(bool compact)
    {
        string path = TempFile(Schema);
        try
        {
            var validator = JsonSchemaValidator.Compile(Schema);
            foreach (string seed in new[] { "1", "2" })
            {
                var r = Generate(["--json-schema", path, "--seed", seed, "--json", compact ? "--json-compact" : "--json-spaced"]);
                Assert.True(r.ExitCode == 0, r.Error);
                using var result = JsonDocument.Parse(r.Out);
                Assert.Equal("end_of_generation", result.RootElement.GetProperty("stats").GetProperty("finish_reason").GetString());
                string text = result.RootElement.GetProperty("text").GetString()!;
                using var doc = JsonDocument.Parse(text);
                Assert.True(validator.IsValid(doc.RootElement), text);
                if (compact) Assert.DoesNotContain("\n", text.Trim());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The README's example schema.</summary>
    private const string Person = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":120},
         "pet":{"enum":["cat","dog","bird"]}},"required":["name","age"],"additionalProperties":false}
        """;

    [Fact]
    public void TheReadmesPersonExampleCompletesAtTemperature08ByDefault()
    {
        // Before compact whitespace became the default, stories260K sampling at 0.8 spent all 200 tokens on blank lines
        // and indentation and never closed the object. Eight seeds, no whitespace flag.
        string path = TempFile(Person);
        try
        {
            var validator = JsonSchemaValidator.Compile(Person);
            for (int seed = 1; seed <= 8; seed++)
            {
                var r = Generate("--json-schema", path, "--temp", "0.8", "--seed", seed.ToString(), "--json");
                Assert.True(r.ExitCode == 0, r.Error);
                using var result = JsonDocument.Parse(r.Out);
                string text = result.RootElement.GetProperty("text").GetString()!;
                Assert.True(result.RootElement.GetProperty("stats").GetProperty("finish_reason").GetString() == "end_of_generation", $"seed {seed}: {text}");
                using var doc = JsonDocument.Parse(text);
                Assert.True(validator.IsValid(doc.RootElement), text);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CompactAndSpacedExcludeEachOther() =>
        AssertOneLineError(Generate("--json-schema-inline", Schema, "--json-compact", "--json-spaced"), "not both");

    [Fact]
    public void InlineSchemaStreamsValidJson()
    {
        var r = Generate("--json-schema-inline", """{"enum":["yes","no"]}""", "--temp", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains(JsonSerializer.Deserialize<string>(r.Out.Trim()), new[] { "yes", "no" });
        Assert.EndsWith("finish: end_of_generation", r.ErrorLines.Single());
    }

    [Theory]
    [InlineData("--beams", "3")]
    [InlineData("--beams", "4", "--diverse-groups", "2")]
    [InlineData("--contrastive-alpha", "0.6")]
    public void SearchWithInlineSchemaGivesValidJson(params string[] search)
    {
        var r = Generate(["--json-schema-inline", Schema, "--json-compact", "--json", .. search]);
        Assert.True(r.ExitCode == 0, r.Error);
        using var result = JsonDocument.Parse(r.Out);
        Assert.Equal("end_of_generation", result.RootElement.GetProperty("stats").GetProperty("finish_reason").GetString());
        string text = result.RootElement.GetProperty("text").GetString()!;
        using var doc = JsonDocument.Parse(text);
        Assert.True(JsonSchemaValidator.Compile(Schema).IsValid(doc.RootElement), text);
    }

    [Fact]
    public void InvalidJsonIsOneLineErrorWithPosition()
    {
        string path = TempFile("{\n  \"type\": \"object\",\n  \"properties\": {]\n}");
        try
        {
            AssertOneLineError(Generate("--json-schema", path), "--json-schema: schema: not valid JSON at line 3, column 18");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnsupportedKeywordIsNamed() =>
        AssertOneLineError(Generate("--json-schema-inline", """{"$ref":"https://example.com/s.json"}"""), "--json-schema-inline: $ref: ");

    [Fact]
    public void RefToNowhereIsNamed() =>
        AssertOneLineError(Generate("--json-schema-inline", """{"$ref":"#/$defs/nope"}"""), "'#/$defs/nope' does not resolve");

    [Fact]
    public void MissingFileIsOneLineError() =>
        AssertOneLineError(Generate("--json-schema", "no-such-schema.json"), "--json-schema: file not found");

    [Fact]
    public void CompactWithoutSchemaIsAnError() =>
        AssertOneLineError(Generate("--regex", "a", "--json-compact"), "--json-compact needs --json-schema");

    [Fact]
    public void SchemaAndRegexAreMutuallyExclusive() =>
        AssertOneLineError(Generate("--regex", "a", "--json-schema-inline", "{}"), "choose one of");

    [Fact]
    public void VocabularyThatCannotSpellTheValueIsAClearError()
    {
        // tinystories-656K has no '{' token and no byte fallback: nothing can begin.
        var r = CliRunner.Run(["generate", "-m", TinyStoriesQ8, "-p", "Once", "-t", "1", "-n", "8", "--regex", "[{]"]);
        AssertOneLineError(r, "no token of this model's vocabulary can begin");
    }

    [Fact]
    public void AVocabularyThatCannotSpellTheNextCharacterStopsWithAClearError()
    {
        // tinystories-656K has no '{' and no byte fallback: leading whitespace is allowed, then nothing can follow.
        var r = CliRunner.Run(["generate", "-m", TinyStoriesQ8, "-p", "Hi", "-t", "1", "-n", "60", "--temp", "0",
            "--json-schema-inline", "{\"type\":\"object\"}"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: generation stopped: the constraint allows no token here", r.ErrorLines[0]);
        Assert.DoesNotContain("internal error", r.ErrorLines[0]);
    }
}
