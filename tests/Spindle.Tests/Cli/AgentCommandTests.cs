using Spindle.Agents;
using Spindle.Constraints.Temporal;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle agent`: a run's printed transcript satisfies the spec; --check-trace reports violations; one-line errors.</summary>
public sealed class AgentCommandTests
{
    private const string Spec = "G(Action -> X Observation) && F Answer && AtMost(2, Action)";

    [Fact]
    public void RunPrintsATranscriptThatSatisfiesTheSpec()
    {
        foreach (string seed in new[] { "1", "2", "3" })
        {
            var r = CliRunner.Run("agent", "-m", TinyStoriesQ8, "-t", "1", "--spec", Spec, "--max-steps", "6", "-p", "What is 6 times 7?", "--seed", seed);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("spec satisfied", r.Error);
            var steps = ReActTranscript.Parse(r.Out);
            Assert.InRange(steps.Count, 1, 6);
            Assert.True(LtlSpecification.Parse(Spec).Check([.. steps.Select(s => s.Label)]).Satisfied, r.Out);
        }
    }

    [Fact]
    public void CheckTraceReportsTheFailingConjunctAndStep()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-agent-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "Question: What is 6*7?\nThought: compute\nAction: calc[6*7]\nThought: skip\nAnswer: 42\n");
            var r = CliRunner.Run("agent", "--check-trace", path, "--spec", "F Answer && G(Action -> X Observation)");
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("violated: step 3 (Thought) violates 'G (Action -> (X Observation))'", r.Out);
            Assert.Contains("step 3: Thought: skip", r.Out);

            File.WriteAllText(path, "Thought: compute\nAction: calc[6*7]\nObservation: 42\nAnswer: 42\n");
            r = CliRunner.Run("agent", "--check-trace", path, "--spec", "F Answer && G(Action -> X Observation)");
            Assert.Equal(0, r.ExitCode);
            Assert.StartsWith("satisfied: 4 steps", r.Out);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("G(Action -> X Observation", "--spec: syntax error at position 26: missing ')'")]
    [InlineData("F Anwser", "the spec names step 'Anwser'")]
    [InlineData("AtLeast(5, Action) && F Answer", "needs at least 11 steps")]
    public void BadSpecsAreOneLineErrors(string spec, string fragment)
    {
        var r = CliRunner.Run("agent", "-m", TinyStoriesQ8, "-t", "1", "--spec", spec, "-p", "q");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.Contains(fragment, r.ErrorLines[0]);
    }

    [Fact]
    public void MissingPromptAndMalformedTranscriptAreOneLineErrors()
    {
        var r = CliRunner.Run("agent", "-m", TinyStoriesQ8);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--prompt is required", r.Error);
        string path = Path.Combine(Path.GetTempPath(), $"spindle-agent-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "Thought: a\nAction: calc 6*7\n");
            r = CliRunner.Run("agent", "--check-trace", path);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("line 2: an Action is written", r.Error);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
