using Spindle.Constraints.Temporal;

namespace Spindle.Agents;

/// <summary>
/// One step of a ReAct trace. <see cref="Content"/> is the text after the prefix (for an Action, the tool's argument;
/// <see cref="Tool"/> names the tool). <see cref="Label"/> is what the LTLf spec sees: <c>Thought</c>, <c>Action(calc)</c>,
/// <c>Observation</c>, <c>Answer</c>.
/// </summary>
public sealed record AgentStep(AgentStepKind Kind, string Content, string? Tool = null)
{
    public StepLabel Label => Kind == AgentStepKind.Action ? new StepLabel(nameof(AgentStepKind.Action), Tool) : new StepLabel(Kind.ToString());

    /// <summary>The step as one transcript line (with its trailing newline).</summary>
    public string Text => ReActTranscript.Format(this);

    public override string ToString() => Text.TrimEnd('\n');
}
