namespace Spindle.Agents;

/// <summary>A step the model may write next: a Thought, an Action of one tool, or the Answer.</summary>
public readonly record struct ReActMove(AgentStepKind Kind, string? Tool = null)
{
    public override string ToString() => Kind == AgentStepKind.Action ? $"Action({Tool})" : Kind.ToString();
}
