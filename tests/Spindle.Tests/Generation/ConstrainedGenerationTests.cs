using System.Text.RegularExpressions;
using Spindle.Constraints;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary>
/// Generation under a constraint: every output (greedy and 20 seeded samples per case) is a complete sentence of the
/// grammar, checked with .NET's Regex or a fresh matcher, and ends with EOS within the token budget.
/// </summary>
public sealed class ConstrainedGenerationTests(ITestOutputHelper output)
{
    private const int Seeds = 20;
    private const int Budget = 48;

    // Bounded, so a model that would repeat a word forever still reaches the end: after four words only "." can follow.
    private const string WordListGbnf = """
        root ::= word (", " word){0,3} "."
        word ::= "apple" | "banana" | "cherry" | "dog"
        """;

    private static readonly SamplingOptions Sampled = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };

    public static TheoryData<string> Models => new() { "tinystories-q8", "stories260K" };

    private static SpindleModel LoadNamed(string name) => Load(name == "stories260K" ? Stories260K : TinyStoriesQ8);

    /// <summary>Greedy, then seeds 1..20 with plain sampling; returns every (text, finish reason).</summary>
    private static List<(string Text, FinishReason? Reason, int Tokens)> GenerateAll(SpindleModel model, ConstraintSpec constraint, SamplingOptions? sampling = null, string prompt = "Once upon a time")
    {
        var results = new List<(string, FinishReason?, int)>();
        var runs = new List<GenerationOptions> { new() { Sampling = SamplingOptions.Greedy, Constraint = constraint, MaxTokens = Budget } };
        for (ulong seed = 1; seed <= Seeds; seed++)
            runs.Add(new GenerationOptions { Sampling = sampling ?? Sampled, Seed = seed, Constraint = constraint, MaxTokens = Budget });
        foreach (var options in runs)
        {
            var chunks = Collect(model.GenerateAsync(prompt, options));
            results.Add((TextOf(chunks), chunks[^1].FinishReason, IdsOf(chunks).Length));
        }
        return results;
    }

    private void AssertAllComplete(List<(string Text, FinishReason? Reason, int Tokens)> results, Func<string, bool> valid)
    {
        foreach (var (text, reason, tokens) in results)
        {
            output.WriteLine($"{reason} {tokens,3} tokens: {text}");
            Assert.Equal(FinishReason.EndOfGeneration, reason);
            Assert.True(valid(text), $"output '{text}' does not match");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RegexDigitsDashWordMatchesFully(string name)
    {
        using var model = LoadNamed(name);
        var results = GenerateAll(model, ConstraintSpec.Regex("[0-9]{3}-[a-z]{1,12}"));
        AssertAllComplete(results, t => Regex.IsMatch(t, @"\A[0-9]{3}-[a-z]{1,12}\z"));
    }

    [Fact]
    public void UnboundedRegexStaysValidAndEndsWithinBudget()
    {
        using var model = LoadNamed("tinystories-q8");
        foreach (var (text, reason, tokens) in GenerateAll(model, ConstraintSpec.Regex("[0-9]{3}-[a-z]+")))
        {
            output.WriteLine($"{reason} {tokens,3} tokens: {text}");
            // [a-z]+ never forces an end, so a sample may run to the budget; its text is then a valid prefix.
            Assert.Matches(reason == FinishReason.EndOfGeneration ? @"\A[0-9]{3}-[a-z]+\z" : @"\A[0-9]{3}-[a-z]*\z", text);
            if (reason != FinishReason.EndOfGeneration) Assert.Equal(FinishReason.Length, reason);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void YesNoRegexGivesExactlyOneWord(string name)
    {
        using var model = LoadNamed(name);
        AssertAllComplete(GenerateAll(model, ConstraintSpec.Regex("(yes|no)")), t => t is "yes" or "no");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ChoiceOutputIsExactlyOneChoice(string name)
    {
        using var model = LoadNamed(name);
        string[] choices = ["cat", "dog", "little bird", "the big, red ball"];
        var results = GenerateAll(model, ConstraintSpec.Choice(choices));
        AssertAllComplete(results, t => choices.Contains(t));
    }

    [Theory]
    [InlineData("tinystories-q8", false)]
    [InlineData("tinystories-q8", true)]
    [InlineData("stories260K", false)]
    [InlineData("stories260K", true)]
    public void GbnfWordListIsValidPerRegexAndMatcher(string name, bool perCharacter)
    {
        using var model = LoadNamed(name);
        var spec = ConstraintSpec.Grammar(WordListGbnf, perCharacter);
        var results = GenerateAll(model, spec);
        AssertAllComplete(results, t =>
        {
            var check = model.CreateMatcher(spec);
            return Regex.IsMatch(t, @"\A(apple|banana|cherry|dog)(, (apple|banana|cherry|dog)){0,3}\.\z")
                && check.TryAcceptBytes(System.Text.Encoding.UTF8.GetBytes(t)) && check.IsAccepting;
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MirostatWithConstraintGivesValidOutputs(int version)
    {
        using var model = LoadNamed("tinystories-q8");
        var mirostat = new SamplingOptions { Mirostat = version, MirostatTau = 5f, MirostatEta = 0.1f, Temperature = 1f };
        AssertAllComplete(GenerateAll(model, ConstraintSpec.Regex("[0-9]{3}-[a-z]{1,12}"), mirostat),
            t => Regex.IsMatch(t, @"\A[0-9]{3}-[a-z]{1,12}\z"));
        AssertAllComplete(GenerateAll(model, ConstraintSpec.Choice(["red", "green", "blue"]), mirostat), t => t is "red" or "green" or "blue");
    }

    [Fact]
    public void DefaultSamplerChainWithPenaltiesGivesValidOutputs()
    {
        using var model = LoadNamed("tinystories-q8");
        // llama.cpp's defaults (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8) plus a repetition penalty before the mask.
        var sampling = new SamplingOptions { RepetitionPenalty = 1.3f };
        AssertAllComplete(GenerateAll(model, ConstraintSpec.Grammar(WordListGbnf), sampling),
            t => Regex.IsMatch(t, @"\A(apple|banana|cherry|dog)(, (apple|banana|cherry|dog)){0,3}\.\z"));
    }

    [Fact]
    public void SeededConstrainedSamplingIsReproducible()
    {
        using var model = LoadNamed("tinystories-q8");
        var options = new GenerationOptions { Sampling = Sampled, Seed = 7, Constraint = ConstraintSpec.Regex("[a-z ]{1,30}\\."), MaxTokens = Budget };
        string first = TextOf(Collect(model.GenerateAsync("Once upon a time", options)));
        string second = TextOf(Collect(model.GenerateAsync("Once upon a time", options)));
        Assert.Equal(first, second);
        Assert.Matches(@"\A[a-z ]{1,30}\.\z", first);
    }

    [Fact]
    public void ConstrainedGreedyPicksTheBestAllowedToken()
    {
        using var model = LoadNamed("stories260K");
        // Unconstrained greedy continues ", there was ..." (llama.cpp reference); a regex admitting that text changes nothing.
        var plain = Collect(model.GenerateAsync("Once upon a time", new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxTokens = 8 }));
        var constrained = Collect(model.GenerateAsync("Once upon a time", new GenerationOptions
        {
            Sampling = SamplingOptions.Greedy, MaxTokens = 8, Constraint = ConstraintSpec.Regex("[ -~]*"),
        }));
        Assert.Equal(IdsOf(plain), IdsOf(constrained));
        Assert.Equal(FinishReason.Length, constrained[^1].FinishReason);
    }

    [Fact]
    public void BadRegexThrowsGrammarExceptionWithPosition()
    {
        using var model = LoadNamed("stories260K");
        var options = new GenerationOptions { Constraint = ConstraintSpec.Regex("[0-9"), MaxTokens = 4 };
        var ex = Assert.ThrowsAny<GrammarException>(() => Collect(model.GenerateAsync("Once", options)));
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void BadGbnfThrowsGrammarException()
    {
        using var model = LoadNamed("stories260K");
        var options = new GenerationOptions { Constraint = ConstraintSpec.Grammar("root ::= undefined-rule"), MaxTokens = 4 };
        Assert.ThrowsAny<GrammarException>(() => Collect(model.GenerateAsync("Once", options)));
    }

    [Fact]
    public void GrammarAlignmentWithBeamSearchIsRejected()
    {
        using var model = LoadNamed("stories260K");
        var options = new GenerationOptions
        {
            Constraint = ConstraintSpec.Regex("a"), Beam = new Spindle.Decoding.BeamSearchOptions { BeamWidth = 2 },
            GrammarAlignment = new Spindle.Sampling.Aligned.AsapState(),
        };
        Assert.Throws<ArgumentException>(() => Collect(model.GenerateAsync("Once", options)));
    }

    [Fact]
    public void VocabularyTrieAndGrammarsAreBuiltOncePerModel()
    {
        using var model = LoadNamed("stories260K");
        var trie = model.ConstraintTrie;
        var options = new GenerationOptions { Sampling = SamplingOptions.Greedy, Constraint = ConstraintSpec.Regex("(yes|no)"), MaxTokens = 8 };
        Collect(model.GenerateAsync("Once", options));
        Collect(model.GenerateAsync("Once", options));
        Assert.Same(trie, model.ConstraintTrie);
        Assert.Equal(1, model.Grammars.Count);
    }
}
