using System.Text.Json;
using System.Text.RegularExpressions;
using Spindle.Constraints;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Vocabulary;
using Spindle.Decoding;
using Spindle.Generation;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Decoding;

/// <summary>
/// Beam, diverse beam and contrastive search under a constraint, on stories260K (byte fallback: it can spell anything).
/// Every returned hypothesis is checked, not only the best.
/// </summary>
public sealed class ConstrainedSearchTests
{
    private const string Schema = """
        {"type":"object","properties":{"color":{"enum":["red","green","blue"]},"n":{"type":"integer","minimum":1,"maximum":20}},
         "required":["color","n"],"additionalProperties":false}
        """;

    private const string Pattern = "[a-z]{2,6}-[0-9]{2}";

    private static BeamSearchOptions Beams(SpindleModel spindle, int groups, int maxNew = 64) => groups == 1
        ? new BeamSearchOptions { BeamWidth = 4, MaxNewTokens = maxNew, StopTokens = [.. spindle.Vocabulary.EndOfGenerationIds] }
        : new DiverseBeamSearchOptions
        {
            BeamWidth = 4, Groups = groups, DiversityPenalty = 1f, MaxNewTokens = maxNew,
            StopTokens = [.. spindle.Vocabulary.EndOfGenerationIds],
        };

    private static int[] Prompt(SpindleModel spindle) => spindle.EncodePrompt("Once upon a time");

    private static string Text(SpindleModel spindle, BeamHypothesis h) => spindle.Tokenizer.Decode(h.Tokens);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryHypothesisUnderAJsonSchemaValidates(int groups)
    {
        using var spindle = Load(Stories260K);
        var matcher = spindle.CreateMatcher(ConstraintSpec.JsonSchema(Schema, JsonWhitespace.Compact));
        var result = BeamSearch.Run(spindle.Model, Prompt(spindle), Beams(spindle, groups), matcher);

        var validator = JsonSchemaValidator.Compile(Schema);
        Assert.Equal(4, result.Hypotheses.Count);
        Assert.Equal(groups, result.Groups.Count);
        foreach (var h in result.Hypotheses)
        {
            string text = Text(spindle, h);
            Assert.NotNull(h.StopToken);
            using var doc = JsonDocument.Parse(text);
            Assert.True(validator.IsValid(doc.RootElement), text);
        }
        // The caller's matcher is the starting state only: the beams worked on clones.
        Assert.Equal(0, matcher.AcceptedTokenCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryHypothesisUnderARegexFullyMatches(int groups)
    {
        using var spindle = Load(Stories260K);
        var matcher = spindle.CreateMatcher(ConstraintSpec.Regex(Pattern));
        var result = BeamSearch.Run(spindle.Model, Prompt(spindle), Beams(spindle, groups), matcher);
        Assert.Equal(4, result.Hypotheses.Count);
        var regex = new Regex($"^(?:{Pattern})$");
        foreach (var h in result.Hypotheses)
        {
            Assert.NotNull(h.StopToken);
            Assert.Matches(regex, Text(spindle, h));
        }
        // Distinct hypotheses: siblings did not share (and corrupt) one grammar state.
        Assert.Equal(result.Hypotheses.Count, result.Hypotheses.Select(h => string.Join(",", h.Tokens)).Distinct().Count());
    }

    [Fact]
    public void ChoiceBeamsReturnExactlyChoices()
    {
        string[] choices = ["cat", "dog", "a big house", "the little girl"];
        using var spindle = Load(Stories260K);
        var matcher = spindle.CreateMatcher(ConstraintSpec.Choice(choices));
        var result = BeamSearch.Run(spindle.Model, Prompt(spindle), Beams(spindle, 1, 24), matcher);
        Assert.NotEmpty(result.Hypotheses);
        foreach (var h in result.Hypotheses)
        {
            Assert.NotNull(h.StopToken);
            Assert.Contains(Text(spindle, h), choices);
        }
    }

    /// <summary>
    /// A constraint that allows every token the unconstrained beams consider changes nothing, bit for bit: masking comes
    /// after the log-sum-exp, so scores are the model's own log-probabilities.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PermissiveConstraintGivesBitIdenticalResults(int groups)
    {
        using var spindle = Load(Stories260K);
        int[] prompt = Prompt(spindle);
        var options = Beams(spindle, groups, 20);
        var plain = BeamSearch.Run(spindle.Model, prompt, options);
        var permissive = BeamSearch.Run(spindle.Model, prompt, options, spindle.CreateMatcher(ConstraintSpec.Regex("[\\s\\S]*")));
        Assert.Equal(plain.Steps, permissive.Steps);
        Assert.Equal(plain.Hypotheses.Count, permissive.Hypotheses.Count);
        for (int i = 0; i < plain.Hypotheses.Count; i++)
        {
            BeamHypothesis a = plain.Hypotheses[i], b = permissive.Hypotheses[i];
            Assert.Equal(a.Tokens, b.Tokens);
            Assert.Equal(a.StopToken, b.StopToken);
            Assert.Equal(a.Group, b.Group);
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.Score), BitConverter.DoubleToInt64Bits(b.Score));
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.SumLogProb), BitConverter.DoubleToInt64Bits(b.SumLogProb));
        }
    }

    /// <summary>
    /// The documented choice: a constrained beam's score sums the model's raw log-probabilities (HF's processed scores,
    /// masked but not renormalised), not the log-probabilities renormalised over the allowed tokens, which are larger.
    /// </summary>
    [Fact]
    public void ScoresAreRawLogProbabilitiesNotRenormalised()
    {
        using var spindle = Load(Stories260K);
        int[] prompt = Prompt(spindle);
        var constraint = ConstraintSpec.JsonSchema(Schema, JsonWhitespace.Compact);
        var options = Beams(spindle, 1) with { LengthPenalty = 1f };
        var result = BeamSearch.Run(spindle.Model, prompt, options, spindle.CreateMatcher(constraint));
        foreach (var h in result.Hypotheses)
        {
            double raw = SearchAssertions.TeacherForcedLogProb(spindle.Model, prompt, h.Tokens, h.StopToken);
            Assert.Equal(raw, h.SumLogProb, 1e-3);
            Assert.Equal(h.SumLogProb / h.GeneratedLength, h.Score, 1e-9);
            double renormalised = RenormalisedLogProb(spindle, prompt, h, spindle.CreateMatcher(constraint));
            Assert.True(renormalised > raw + 1.0, $"renormalised {renormalised} vs raw {raw}");
        }
    }

    /// <summary>Σ log p(token | allowed tokens) along <paramref name="h"/>, replaying the grammar state.</summary>
    private static double RenormalisedLogProb(SpindleModel spindle, int[] prompt, BeamHypothesis h, Matcher matcher)
    {
        var model = spindle.Model;
        int v = model.Config.VocabSize;
        var cache = model.CreateCache(capacity: prompt.Length + h.GeneratedLength + 1);
        var logits = new float[v];
        model.Forward(prompt, Enumerable.Range(0, prompt.Length).ToArray(), cache, logits);
        var mask = new TokenMask(matcher.VocabularySize);
        int[] all = h.StopToken is int s ? [.. h.Tokens, s] : h.Tokens;
        double sum = 0;
        for (int i = 0; i < all.Length; i++)
        {
            matcher.ComputeMask(mask);
            var masked = (float[])logits.Clone();
            for (int id = 0; id < v; id++) if (id >= mask.TokenCount || !mask.IsSet(id)) masked[id] = float.NegativeInfinity;
            sum += SearchAssertions.LogProb(masked, all[i]);
            Assert.True(matcher.TryAccept(all[i]));
            if (i + 1 < all.Length) model.Forward([all[i]], [cache.Count], cache, logits);
        }
        return sum;
    }

    /// <summary>
    /// The second case allows fewer tokens than k at every step ("0", "1" and their byte-fallback spellings), so the
    /// candidate set is cut to the allowed ones. The reported log-probability stays the model's raw one.
    /// </summary>
    [Theory]
    [InlineData(Pattern, 6)]
    [InlineData("[01]{4}", 64)]
    public void ContrastiveSearchUnderARegexFullyMatches(string pattern, int k)
    {
        using var spindle = Load(Stories260K);
        int[] prompt = Prompt(spindle);
        var options = new ContrastiveSearchOptions
        {
            Alpha = 0.6f, TopK = k, MaxNewTokens = 40, StopTokens = [.. spindle.Vocabulary.EndOfGenerationIds],
        };
        var matcher = spindle.CreateMatcher(ConstraintSpec.Regex(pattern));
        var result = ContrastiveSearch.Run(spindle.Model, prompt, options, matcher);
        Assert.NotNull(result.StopToken);
        Assert.Matches($"^(?:{pattern})$", spindle.Tokenizer.Decode(result.Tokens));
        Assert.Equal(SearchAssertions.TeacherForcedLogProb(spindle.Model, prompt, result.Tokens, result.StopToken), result.SumLogProb, 1e-3);
        Assert.Equal(0, matcher.AcceptedTokenCount);
    }

    [Fact]
    public void ContrastiveAndBeamGenerationStreamAConstrainedOutput()
    {
        using var spindle = Load(Stories260K);
        var constraint = ConstraintSpec.Regex(Pattern);
        foreach (var options in new[]
        {
            new GenerationOptions { Contrastive = new ContrastiveSearchOptions { Alpha = 0.6f, TopK = 4 }, Constraint = constraint, MaxTokens = 40 },
            new GenerationOptions { Beam = new BeamSearchOptions { BeamWidth = 3 }, Constraint = constraint, MaxTokens = 40 },
        })
        {
            var chunks = Collect(spindle.GenerateAsync("Once upon a time", options));
            Assert.Equal(FinishReason.EndOfGeneration, chunks[^1].FinishReason);
            Assert.Matches($"^(?:{Pattern})$", TextOf(chunks));
            Assert.All(chunks, c => Assert.True(c.Logprob <= 0 && float.IsFinite(c.Logprob)));
        }
    }

    /// <summary>tinystories-656K has no '{' (no byte fallback): after "ab" every beam is a dead end.</summary>
    [Fact]
    public void ImpossibleContinuationEndsInDeadEnd()
    {
        using var spindle = Load(TinyStoriesQ8);
        var constraint = ConstraintSpec.Regex("ab\\{");
        int[] prompt = Prompt(spindle);
        Assert.Throws<ConstraintDeadEndException>(() =>
            BeamSearch.Run(spindle.Model, prompt, Beams(spindle, 1, 16), spindle.CreateMatcher(constraint)));
        Assert.Throws<ConstraintDeadEndException>(() =>
            BeamSearch.Run(spindle.Model, prompt, Beams(spindle, 2, 16), spindle.CreateMatcher(constraint)));
        Assert.Throws<ConstraintDeadEndException>(() => ContrastiveSearch.Run(spindle.Model, prompt,
            new ContrastiveSearchOptions { MaxNewTokens = 16 }, spindle.CreateMatcher(constraint)));
    }
}
