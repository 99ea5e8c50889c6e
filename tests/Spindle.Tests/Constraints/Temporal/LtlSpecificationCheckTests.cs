using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Constraints.Temporal;

public sealed class LtlSpecificationCheckTests
{
    private static StepLabel[] Trace(params string[] labels) => [.. labels.Select(StepLabel.Parse)];

    [Fact]
    public void SatisfyingTracePasses()
    {
        var spec = LtlSpecification.Parse("G(Action -> X Observation) && F Answer");
        var v = spec.Check(Trace("Thought", "Action(calc)", "Observation", "Answer"));
        Assert.True(v.Satisfied, v.Explanation);
    }

    [Fact]
    public void ActionWithoutObservationNamesTheConjunctAndStep()
    {
        var spec = LtlSpecification.Parse("F Answer && G(Action -> X Observation)");
        var v = spec.Check(Trace("Thought", "Action(calc)", "Thought", "Answer"));
        Assert.False(v.Satisfied);
        Assert.Equal("G (Action -> (X Observation))", v.FailedConjunct!.ToString());
        Assert.Equal(3, v.FailedStep);
        Assert.Equal(new StepLabel("Thought"), v.FailedLabel);
        Assert.Contains("step 3 (Thought)", v.Explanation);
    }

    [Fact]
    public void MissingAnswerIsReportedAtTheEnd()
    {
        var spec = LtlSpecification.Parse("G(Action -> X Observation) && F Answer");
        var v = spec.Check(Trace("Thought", "Action(echo)", "Observation"));
        Assert.False(v.Satisfied);
        Assert.Null(v.FailedStep);
        Assert.Equal("F Answer", v.FailedConjunct!.ToString());
        Assert.Contains("ends after 3 steps", v.Explanation);
    }

    [Fact]
    public void CountingViolationAtTheFourthAction()
    {
        var spec = LtlSpecification.Parse("AtMost(3, Action) && F Answer");
        var v = spec.Check(Trace("Action(a)", "Observation", "Action(b)", "Observation", "Action(a)", "Observation", "Action(c)", "Observation", "Answer"));
        Assert.False(v.Satisfied);
        Assert.Equal(7, v.FailedStep);
        Assert.Equal("AtMost(3, Action)", v.FailedConjunct!.ToString());
    }

    [Fact]
    public void AnswerMustBeLast()
    {
        var spec = LtlSpecification.Parse("G(Answer -> last)");
        var v = spec.Check(Trace("Answer", "Thought"));
        Assert.False(v.Satisfied);
        Assert.Equal(2, v.FailedStep);
    }

    [Fact]
    public void UnsatisfiableSpecIsReportedBeforeAnyStep()
    {
        var v = LtlSpecification.Parse("F Answer && G !Answer").Check(Trace("Thought"));
        Assert.False(v.Satisfied);
        Assert.Equal(0, v.FailedStep);
        Assert.Contains("cannot be satisfied by any trace", v.Explanation);
    }

    [Fact]
    public void ManyDistinctToolNamesKeepTheAutomatonSmall()
    {
        var trace = new List<StepLabel>();
        for (int i = 0; i < 3000; i++) { trace.Add(new StepLabel("Action", $"tool{i}")); trace.Add(new StepLabel("Observation")); }
        trace.Add(new StepLabel("Answer"));
        var spec = LtlSpecification.Parse("G(Action -> X Observation) && F Answer && F Action(tool2999)");
        Assert.True(spec.Check(trace).Satisfied);
        trace.Insert(11, new StepLabel("Thought")); // between Action(tool5) and its Observation
        var v = spec.Check(trace);
        Assert.Equal(12, v.FailedStep);
    }
}
