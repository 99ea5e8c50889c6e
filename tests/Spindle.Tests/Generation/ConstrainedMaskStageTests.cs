using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;
using Spindle.Generation;
using Spindle.Sampling;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Generation;

/// <summary><see cref="ConstraintMaskStage"/> on stories260K's real vocabulary: masking, prompt tokens, accept, clone, reset.</summary>
public sealed class ConstrainedMaskStageTests
{
    private static (SpindleModel Model, ConstraintMaskStage Stage) Create(string regex)
    {
        var model = Load(Stories260K);
        return (model, new ConstraintMaskStage(model.CreateMatcher(ConstraintSpec.Regex(regex))));
    }

    private static CandidateSet Uniform(int count)
    {
        var set = new CandidateSet(count);
        set.Load(new float[count]);
        return set;
    }

    private static int[] Finite(CandidateSet set) =>
        [.. set.Items.ToArray().Where(c => !float.IsNegativeInfinity(c.Logit)).Select(c => c.Id).OrderBy(i => i)];

    private static int Single(SpindleModel model, string text) => model.Tokenizer.Encode(text, false, false).Single();

    [Fact]
    public void ApplyLeavesExactlyTheMatcherMaskFinite()
    {
        var (model, stage) = Create("(yes|no)");
        using var _ = model;
        int n = model.Model.Config.VocabSize;
        var expected = new TokenMask(model.ConstraintTrie.Vocabulary.TokenCount);
        stage.Matcher.ComputeMask(expected);
        var set = Uniform(n);
        stage.Apply(set);
        Assert.Equal(expected.ToList(), Finite(set));
        Assert.NotEmpty(expected.ToList());
        Assert.DoesNotContain(model.Vocabulary.EosId, Finite(set));

        // The general path (candidates no longer in id order) gives the same set.
        var shuffled = Uniform(n);
        shuffled.Items.Reverse();
        stage.Apply(shuffled);
        Assert.Equal(expected.ToList(), Finite(shuffled));
    }

    [Fact]
    public void PromptTokensAreNotGrammarInputAndPickedTokensAre()
    {
        var (model, stage) = Create("ab");
        using var _ = model;
        // Tokens accepted before the first Apply are the prompt: ignored.
        foreach (int t in model.Tokenizer.Encode("Once upon a time", true, false)) stage.Accept(t);
        Assert.Equal(0, stage.Matcher.AcceptedTokenCount);
        int n = model.Model.Config.VocabSize;
        var set = Uniform(n);
        stage.Apply(set);
        int a = model.ConstraintTrie.Vocabulary.TokenCount > 0 ? FirstTokenSpelling(model, "a") : -1;
        Assert.Contains(a, Finite(set));
        stage.Accept(a);
        Assert.Equal(1, stage.Matcher.AcceptedTokenCount);
    }

    private static int FirstTokenSpelling(SpindleModel model, string text)
    {
        var v = model.ConstraintTrie.Vocabulary;
        for (int id = 0; id < v.TokenCount; id++)
            if (!v.IsSpecial(id) && v.TokenBytes(id).SequenceEqual(System.Text.Encoding.UTF8.GetBytes(text))) return id;
        throw new InvalidOperationException($"no token spells '{text}'");
    }

    [Fact]
    public void CompleteGrammarLeavesOnlyEndOfGeneration()
    {
        var (model, stage) = Create("ab");
        using var _ = model;
        int n = model.Model.Config.VocabSize;
        foreach (string piece in new[] { "a", "b" })
        {
            stage.Apply(Uniform(n));
            stage.Accept(FirstTokenSpelling(model, piece));
        }
        var set = Uniform(n);
        stage.Apply(set);
        Assert.Equal([model.Vocabulary.EosId], Finite(set));
        Assert.True(stage.Matcher.IsAccepting);
    }

    [Fact]
    public void AcceptingAMaskedTokenIsAnInternalError()
    {
        var (model, stage) = Create("ab");
        using var _ = model;
        stage.Apply(Uniform(model.Model.Config.VocabSize));
        var ex = Assert.Throws<InvalidOperationException>(() => stage.Accept(FirstTokenSpelling(model, "b")));
        Assert.Contains("internal error", ex.Message);
    }

    [Fact]
    public void CloneIsIndependentAndResetStartsOver()
    {
        var (model, stage) = Create("ab|ac");
        using var _ = model;
        int n = model.Model.Config.VocabSize;
        stage.Apply(Uniform(n));
        stage.Accept(FirstTokenSpelling(model, "a"));
        var copy = (ConstraintMaskStage)stage.Clone();
        copy.Apply(Uniform(n));
        copy.Accept(FirstTokenSpelling(model, "b"));
        Assert.Equal(1, stage.Matcher.AcceptedTokenCount);
        Assert.Equal(2, copy.Matcher.AcceptedTokenCount);
        stage.Apply(Uniform(n));
        stage.Accept(FirstTokenSpelling(model, "c"));
        Assert.True(stage.Matcher.IsAccepting);

        stage.Reset();
        Assert.Equal(0, stage.Matcher.AcceptedTokenCount);
        var set = Uniform(n);
        stage.Apply(set);
        Assert.Contains(FirstTokenSpelling(model, "a"), Finite(set));
        Assert.DoesNotContain(FirstTokenSpelling(model, "b"), Finite(set));
    }

    [Fact]
    public void ChainPutsTheMaskAfterPenaltiesAndBeforeTemperature()
    {
        using var model = Load(Stories260K);
        var chain = model.CreateSamplerChain(new GenerationOptions
        {
            Sampling = new SamplingOptions { RepetitionPenalty = 1.1f }, Constraint = ConstraintSpec.Regex("x"),
        });
        var types = chain.Stages.Select(s => s.GetType()).ToList();
        int mask = types.IndexOf(typeof(ConstraintMaskStage));
        Assert.True(mask > types.IndexOf(typeof(PenaltiesStage)));
        Assert.True(mask < types.IndexOf(typeof(TemperatureStage)));
        Assert.True(mask < types.IndexOf(typeof(TopKStage)));
    }
}
