using System.Text.Json;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// End to end: 100 generations under JSON Schema constraints with real models, across schemas and samplers. Every
/// output must end with end-of-generation inside its budget, parse with System.Text.Json and validate with our validator.
/// </summary>
/// <remarks>
/// tinystories-656K's vocabulary has no '{', '[' or byte-fallback tokens, so no object or array can be spelled with it;
/// it gets the scalar schemas (enums, ranges, patterns, formats). stories260K (byte fallback: every character can be
/// written) gets objects, arrays and $ref. <see cref="HundredMaskBenchGenerationsOnTinyStoriesAllValidate"/> does the
/// same on 20 real MaskBench schemas that tinystories-656K can spell.
/// </remarks>
public sealed class JsonSchemaGenerationTests(ITestOutputHelper output)
{
    private sealed record Case(string Model, string Schema, JsonWhitespace Whitespace, int Budget, int Runs);

    private static readonly Case[] Cases =
    [
        // Objects: required and optional properties, integer range, enum.
        new("stories260K", """
            {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":120},
             "pet":{"enum":["cat","dog","bird"]}},"required":["name","age"],"additionalProperties":false}
            """, JsonWhitespace.Compact, 96, 14),
        // Arrays with minItems/maxItems of bounded integers.
        new("stories260K", """{"type":"array","items":{"type":"integer","minimum":-5,"maximum":5},"minItems":1,"maxItems":4}""",
            JsonWhitespace.Compact, 48, 12),
        // Nested $ref, reused twice.
        new("stories260K", """
            {"$defs":{"point":{"type":"object","properties":{"x":{"type":"integer","minimum":0,"maximum":9},"y":{"type":"integer","minimum":0,"maximum":9}},
             "required":["x","y"],"additionalProperties":false}},
             "type":"object","properties":{"from":{"$ref":"#/$defs/point"},"to":{"$ref":"#/$defs/point"}},"required":["from","to"],"additionalProperties":false}
            """, JsonWhitespace.Compact, 96, 12),
        // String formats and a pattern, an optional array of enums, a boolean.
        new("stories260K", """
            {"type":"object","properties":{"day":{"type":"string","format":"date"},"code":{"type":"string","pattern":"^[A-Z]{2}[0-9]{2}$"},
             "tags":{"type":"array","items":{"enum":["red","green"]},"maxItems":2},"ok":{"type":"boolean"}},
             "required":["day","code","ok"],"additionalProperties":false}
            """, JsonWhitespace.Compact, 128, 12),
        // Numbers with a lower bound (sign enforced), nullable union, uuid.
        new("stories260K", """
            {"type":"object","properties":{"score":{"type":"number","minimum":0},"note":{"type":["string","null"],"maxLength":6},
             "id":{"type":"string","format":"uuid"}},"required":["score","note","id"],"additionalProperties":false}
            """, JsonWhitespace.Compact, 128, 10),
        // Flexible whitespace: bounded runs (JsonSchemaGrammar.FlexibleGeneration), so the value still ends.
        new("stories260K", """
            {"type":"object","properties":{"a":{"type":"integer","minimum":1,"maximum":3},"b":{"enum":[true,null,"x"]}},"required":["a","b"],"additionalProperties":false}
            """, JsonWhitespace.Flexible, 256, 8),
        // Scalars on the tinystories vocabulary.
        new("tinystories-q8", """{"enum":["happy","sad","angry","sleepy"]}""", JsonWhitespace.Compact, 16, 8),
        new("tinystories-q8", """{"type":"integer","minimum":-50,"maximum":1000000000000000000}""", JsonWhitespace.Compact, 32, 8),
        new("tinystories-q8", """{"type":"string","format":"date"}""", JsonWhitespace.Compact, 32, 8),
        new("tinystories-q8", """{"type":"string","pattern":"^[a-z]{3,8}$"}""", JsonWhitespace.Flexible, 80, 8),
    ];

    /// <summary>The Generation issue's samplers, cycled across cases and seeds.</summary>
    private static readonly (string Name, SamplingOptions Options)[] Samplers =
    [
        ("greedy", SamplingOptions.Greedy),
        ("llama.cpp defaults", new SamplingOptions()),
        ("temperature 1.3", new SamplingOptions { Temperature = 1.3f, TopK = 0, TopP = 1f, MinP = 0f }),
        ("top-k 5", new SamplingOptions { Temperature = 1f, TopK = 5, TopP = 1f, MinP = 0f }),
        ("top-p 0.8", new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 0.8f, MinP = 0f }),
        ("min-p 0.1", new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0.1f }),
        ("mirostat 1", new SamplingOptions { Mirostat = 1, Temperature = 1f }),
        ("mirostat 2", new SamplingOptions { Mirostat = 2, Temperature = 1f }),
        ("penalties", new SamplingOptions { RepetitionPenalty = 1.3f, FrequencyPenalty = 0.5f, PresencePenalty = 0.5f }),
        ("typical + DRY", new SamplingOptions { TypicalP = 0.9f, DryMultiplier = 0.8f, Temperature = 1f }),
        ("top-n-sigma + XTC", new SamplingOptions { TopNSigma = 2f, XtcProbability = 0.5f, XtcThreshold = 0.1f, Temperature = 1f }),
    ];

    [Fact]
    public void HundredGenerationsAllParseAndValidate()
    {
        Assert.Equal(100, Cases.Sum(c => c.Runs));
        using var stories = Load(Stories260K);
        using var tiny = Load(TinyStoriesQ8);
        int run = 0;
        foreach (var c in Cases)
        {
            var model = c.Model == "stories260K" ? stories : tiny;
            var validator = JsonSchemaValidator.Compile(c.Schema, new JsonSchemaValidatorOptions { AssertFormat = true });
            var constraint = ConstraintSpec.JsonSchema(c.Schema, c.Whitespace);
            for (int i = 0; i < c.Runs; i++, run++)
            {
                var (name, sampling) = Samplers[run % Samplers.Length];
                var options = new GenerationOptions { Sampling = sampling, Seed = (ulong)run + 1, Constraint = constraint, MaxTokens = c.Budget };
                var chunks = Collect(model.GenerateAsync("Once upon a time", options));
                string text = TextOf(chunks);
                output.WriteLine($"{c.Model} {name,-18} {chunks[^1].FinishReason} {IdsOf(chunks).Length,3} tokens: {text.ReplaceLineEndings("\\n")}");
                Assert.Equal(FinishReason.EndOfGeneration, chunks[^1].FinishReason);
                using var doc = JsonDocument.Parse(text);
                Assert.True(validator.IsValid(doc.RootElement), $"schema {c.Schema} rejects '{text}' ({name}, seed {run + 1})");
            }
        }
        Assert.Equal(100, run);
    }

    /// <summary>
    /// MaskBench schemas tinystories-656K can spell, as <see cref="MaskBenchSpellableSelection"/> picks them (checked by
    /// <see cref="MaskBenchSpellableSelectionTests"/>).
    /// </summary>
    internal static readonly string[] TinyStoriesMaskBenchSchemas =
    [
        "Github_easy---o36080.json", // integer, or a string fraction / IEEE-754 pattern (oneOf)
        "Github_medium---o71327.json", // type ["object","null"]: only null is spellable
        "Github_trivial---o10069.json", // oneOf object / string with a pattern
        "Handwritten---num0.json", // integer multipleOf 7 in 10000..10010, exclusive bounds too
        "JsonSchemaStore---hayson-json-schema.json", // anyOf $ref to a union of scalars and objects
        "WashingtonPost---wp_101_Normalized.json", // string
        "Github_trivial---o17657.json", // anchored pattern with minLength/maxLength
        "WashingtonPost---wp_38_Normalized.json", // string enum
        "Github_trivial---o21731.json", // string, minLength 0
        "WashingtonPost---wp_59_Normalized.json", // boolean enum [true]
        "Github_trivial---o24503.json", // enum of strings (one with a space)
        "Github_trivial---o26950.json", // number: oneOf of 16 consts
        "Github_trivial---o27825.json", // boolean
        "Github_trivial---o27830.json", // integer 0..1
        "Github_trivial---o27841.json", // integer ≥ 0
        "Github_trivial---o28265.json", // number
        "Github_trivial---o36250.json", // pattern with a character class
        "Github_trivial---o41658.json", // enum beside allOf $ref
        "Github_trivial---o41702.json", // allOf $ref to a string enum
        "Github_trivial---o42291.json", // anyOf string / object
    ];

    /// <summary>
    /// The Structured-generation issue's must-show, as literally as tinystories-656K's vocabulary allows: 100 generations
    /// (5 per schema, samplers cycled, fixed seeds) for 20 MaskBench schemas, every one ending with end-of-generation,
    /// parsing, and valid with formats asserted.
    /// </summary>
    [Fact]
    public void HundredMaskBenchGenerationsOnTinyStoriesAllValidate()
    {
        const int runsPerSchema = 5;
        Assert.Equal(20, TinyStoriesMaskBenchSchemas.Length);
        using var model = Load(TinyStoriesQ8);
        int run = 0;
        var failures = new List<string>();
        foreach (string file in TinyStoriesMaskBenchSchemas)
        {
            string schema = MaskBenchSpellableSelection.SchemaText(file);
            var validator = JsonSchemaValidator.Compile(schema, new JsonSchemaValidatorOptions { AssertFormat = true });
            // Every fourth schema with flexible (bounded) whitespace, so both generation grammars are exercised.
            var whitespace = (run / runsPerSchema) % 4 == 3 ? JsonWhitespace.Flexible : JsonWhitespace.Compact;
            var constraint = ConstraintSpec.JsonSchema(schema, whitespace);
            for (int i = 0; i < runsPerSchema; i++, run++)
            {
                var (name, sampling) = Samplers[run % Samplers.Length];
                var options = new GenerationOptions { Sampling = sampling, Seed = (ulong)run + 1, Constraint = constraint, MaxTokens = MaskBenchBudget };
                var chunks = Collect(model.GenerateAsync("Once upon a time", options));
                string text = TextOf(chunks);
                var finish = chunks[^1].FinishReason;
                output.WriteLine($"{file} {whitespace} {name,-18} {finish} {IdsOf(chunks).Length,3} tokens: {text.ReplaceLineEndings("\\n")}");
                if (finish != FinishReason.EndOfGeneration) { failures.Add($"{file} ({name}, seed {run + 1}): {finish} after '{text}'"); continue; }
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    if (!validator.IsValid(doc.RootElement)) failures.Add($"{file} ({name}, seed {run + 1}): schema rejects '{text}'");
                }
                catch (JsonException e)
                {
                    failures.Add($"{file} ({name}, seed {run + 1}): '{text}' does not parse: {e.Message}");
                }
            }
        }
        Assert.Equal(100, run);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Enough for the longest value these generation grammars allow: a string of 128 characters (JsonSchemaGrammar's
    // bound for strings without maxLength, at worst one token each) in quotes, 21 whitespace characters on each side
    // (flexible), the leading space and end-of-generation.
    private const int MaskBenchBudget = 200;


    [Theory]
    [InlineData("""{"type":"string"}""", 128)]
    [InlineData("""{"type":"string","minLength":200}""", 200)]
    [InlineData("""{"type":"string","pattern":"^[a-z]+$"}""", 128)]
    [InlineData("""{"type":"string","maxLength":250}""", 250)]
    public void GenerationGrammarsEndStringsWithoutMaxLength(string schema, int longest)
    {
        using var model = Load(TinyStoriesQ8);
        foreach (var whitespace in new[] { JsonWhitespace.Compact, JsonWhitespace.Flexible })
        {
            var matcher = model.CreateMatcher(ConstraintSpec.JsonSchema(schema, whitespace));
            Assert.True(matcher.TryAcceptBytes(System.Text.Encoding.UTF8.GetBytes("\"" + new string('a', longest))));
            Assert.False(matcher.TryAcceptBytes("a"u8)); // one character more is refused...
            Assert.True(matcher.TryAcceptBytes("\""u8)); // ...and the string can still close
            Assert.True(matcher.IsAccepting);
        }
        // Replaying (no generation bound) keeps JSON's unbounded strings; only a schema's own maxLength still counts.
        var replay = new Spindle.Constraints.Matcher(
            new Spindle.Constraints.Parsing.CompiledGrammar(Spindle.Constraints.FrontEnds.JsonSchemaGrammar.Parse(schema)), model.ConstraintTrie);
        bool ownBound = schema.Contains("maxLength", StringComparison.Ordinal);
        Assert.Equal(!ownBound, replay.TryAcceptBytes(System.Text.Encoding.UTF8.GetBytes("\"" + new string('a', longest + 1))));
    }

    [Fact]
    public void CompleteValueEndsGenerationAndEosIsOnlyAllowedWhenComplete()
    {
        using var model = Load(Stories260K);
        const string schema = """{"type":"array","items":{"enum":[1,2]},"minItems":2,"maxItems":2}""";
        var matcher = model.CreateMatcher(ConstraintSpec.JsonSchema(schema, JsonWhitespace.Compact));
        var mask = new Spindle.Constraints.Vocabulary.TokenMask(matcher.VocabularySize);
        int eos = model.Vocabulary.EosId;
        foreach (byte b in " [1,2"u8)
        {
            matcher.ComputeMask(mask);
            Assert.False(mask[eos]); // incomplete: EOS is masked
            Assert.True(matcher.TryAcceptBytes([b]));
        }
        Assert.True(matcher.TryAcceptBytes("]"u8));
        matcher.ComputeMask(mask);
        Assert.True(mask[eos]);
        Assert.True(matcher.IsAccepting);

        // Greedy generation of the same schema stops by itself with a budget to spare.
        var chunks = Collect(model.GenerateAsync("Once upon a time", new GenerationOptions
        {
            Sampling = SamplingOptions.Greedy, MaxTokens = 200, Constraint = ConstraintSpec.JsonSchema(schema, JsonWhitespace.Compact),
        }));
        Assert.Equal(FinishReason.EndOfGeneration, chunks[^1].FinishReason);
        Assert.True(IdsOf(chunks).Length < 200);
        using var doc = JsonDocument.Parse(TextOf(chunks));
        Assert.Equal(2, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public void MaxTokensTruncatesAValidPrefixWithFinishReasonLength()
    {
        using var model = Load(Stories260K);
        const string schema = """{"type":"object","properties":{"story":{"type":"string","minLength":200}},"required":["story"]}""";
        var spec = ConstraintSpec.JsonSchema(schema, JsonWhitespace.Compact);
        var chunks = Collect(model.GenerateAsync("Once upon a time", new GenerationOptions { Seed = 3, MaxTokens = 12, Constraint = spec }));
        // As llama.cpp and vLLM: the budget wins, the text is cut (not valid JSON), and the reason says so.
        Assert.Equal(FinishReason.Length, chunks[^1].FinishReason);
        string text = TextOf(chunks);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
        var check = model.CreateMatcher(spec);
        Assert.True(check.TryAcceptBytes(System.Text.Encoding.UTF8.GetBytes(text)), $"'{text}' is not a prefix the grammar allows");
    }
}
