using Spindle.Agents;
using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Agents;

public sealed class ReActPlannerTests
{
    private static ReActPlanner Planner(string spec) => new(LtlSpecification.Parse(spec), ["calc", "echo"]);

    [Fact]
    public void BudgetLeavesRoomForTheRequiredAction()
    {
        var p = Planner("F Action(calc) && F Answer");
        int start = p.Automaton.Start;
        Assert.Equal(3, p.StepsToFinish(start));
        // With exactly 3 steps left only the calc action fits (Action + Observation + Answer).
        Assert.Equal([new ReActMove(AgentStepKind.Action, "calc")], p.Allowed(start, 3));
        Assert.Contains(new ReActMove(AgentStepKind.Thought), p.Allowed(start, 4));
        Assert.Empty(p.Allowed(start, 2));
        int after = p.After(start, new ReActMove(AgentStepKind.Action, "calc"));
        Assert.Contains(new ReActMove(AgentStepKind.Answer), p.Allowed(after, 1));
    }

    [Fact]
    public void ActionIsNotOfferedWhenItsObservationWouldBreakTheSpec()
    {
        var p = Planner("G(Observation -> X Answer) && AtMost(1, Thought)");
        int afterThought = p.After(p.Automaton.Start, new ReActMove(AgentStepKind.Thought));
        var allowed = p.Allowed(afterThought, 10);
        Assert.DoesNotContain(new ReActMove(AgentStepKind.Thought), allowed);
        Assert.Contains(new ReActMove(AgentStepKind.Action, "echo"), allowed);
        Assert.Contains(new ReActMove(AgentStepKind.Answer), allowed);
    }

    [Fact]
    public void StepGrammarIsTheAlternationOfAllowedFormats()
    {
        var g = new ReActStepGrammar([new(AgentStepKind.Thought), new(AgentStepKind.Action, "web.search")], 10, 5);
        var regex = new System.Text.RegularExpressions.Regex(@"\A(?:" + g.Pattern + @")\z");
        Assert.Matches(regex, "Thought: hello\n");
        Assert.Matches(regex, "Action: web.search[a b]\n");
        Assert.DoesNotMatch(regex, "Action: webXsearch[a]\n");
        Assert.DoesNotMatch(regex, "Answer: 5\n");
        Assert.DoesNotMatch(regex, "Action: web.search[a]b]\n");
        Assert.DoesNotMatch(regex, "Thought: 12345678901\n");
        Assert.Equal("Action: web.search[".Length + 5 + 2, g.MaxBytes);
    }
}
