namespace Spindle.Agents;

/// <summary>The kinds of step in a ReAct trace; their names are the step labels an LTLf spec talks about.</summary>
public enum AgentStepKind
{
    Thought,
    /// <summary>A tool call; its label is <c>Action(tool)</c>.</summary>
    Action,
    /// <summary>A tool's result: written by the agent loop, never by the model.</summary>
    Observation,
    /// <summary>The final answer; a run ends with it.</summary>
    Answer,
}
