using Spindle.Agents;
using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Agents;

/// <summary>Checking externally supplied transcripts: a violating one is reported with the failing conjunct and step.</summary>
public sealed class ReActTranscriptTests
{
    private const string Violating = """
        Question: What is 6*7?
        Thought: I should compute it.
        Action: calc[6*7]
        Thought: I forgot to wait for the result.
        Answer: 42
        """;

    [Fact]
    public void ViolatingTranscriptNamesConjunctAndStep()
    {
        var steps = ReActTranscript.Parse(Violating);
        Assert.Equal(4, steps.Count);
        Assert.Equal(new StepLabel("Action", "calc"), steps[1].Label);
        var verdict = LtlSpecification.Parse("G(Action -> X Observation) && F Answer").Check([.. steps.Select(s => s.Label)]);
        Assert.False(verdict.Satisfied);
        Assert.Equal(3, verdict.FailedStep);
        Assert.Equal("G (Action -> (X Observation))", verdict.FailedConjunct!.ToString());
    }

    [Fact]
    public void MultiLineObservationAndPreambleParse()
    {
        var steps = ReActTranscript.Parse("You are an agent.\nThought: t\nAction: echo[x]\nObservation: line one\nline two\n\nAnswer: done\n");
        Assert.Equal([AgentStepKind.Thought, AgentStepKind.Action, AgentStepKind.Observation, AgentStepKind.Answer], steps.Select(s => s.Kind));
        Assert.Equal("line one\nline two", steps[2].Content);
    }

    [Theory]
    [InlineData("Thought: a\nAction: calc 1+1\n", "line 2")]
    [InlineData("Action: my tool[1]\n", "not a label argument")]
    [InlineData("Action: echo[x]\nnot an observation\n", "line 2")]
    public void MalformedActionsAreFormatErrorsWithLine(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => ReActTranscript.Parse(text));
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("(2+3)*4", "20")]
    [InlineData("2^3^2", "512")]
    [InlineData("-7 % 4", "-3")]
    [InlineData("1/0", "error: the result is not a finite number")]
    [InlineData("2+", "error: expression ends where a number was expected")]
    [InlineData("2 3", "error: unexpected '3' at position 3")]
    [InlineData("", "error: expression ends where a number was expected")]
    public void CalculatorEvaluatesOrExplains(string input, string expected) => Assert.Equal(expected, CalculatorTool.Evaluate(input));

    [Fact]
    public void CalculatorSurvivesDeepNesting() =>
        Assert.StartsWith("error: expression nests too deeply", CalculatorTool.Evaluate(new string('(', 10_000) + "1" + new string(')', 10_000)));
}
