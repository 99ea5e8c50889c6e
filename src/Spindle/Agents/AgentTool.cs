using Spindle.Constraints.Temporal;

namespace Spindle.Agents;

/// <summary>
/// A tool the agent may call as <c>Action: name[argument]</c>. The returned text becomes the Observation step. The name
/// is also the argument of the step label (<c>Action(name)</c>), so it uses letters, digits, '_', '-', '.', '/'.
/// </summary>
public sealed record AgentTool
{
    public AgentTool(string name, string description, Func<string, CancellationToken, ValueTask<string>> invoke)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(invoke);
        if (!LabelArgumentIsValid(name)) throw new ArgumentException($"tool name '{name}' must be letters, digits, '_', '-', '.', '/'", nameof(name));
        Name = name;
        Description = description;
        Invoke = invoke;
    }

    public string Name { get; }

    public string Description { get; }

    public Func<string, CancellationToken, ValueTask<string>> Invoke { get; }

    private static bool LabelArgumentIsValid(string? name)
    {
        try
        {
            _ = new StepLabel(nameof(AgentStepKind.Action), name);
            return name is not null;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
