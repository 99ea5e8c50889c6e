namespace Spindle.Agents;

/// <summary>A built-in tool that returns its argument (a stand-in for a real tool in examples and tests).</summary>
public static class EchoTool
{
    public static AgentTool Create() => new("echo", "repeats its input, e.g. echo[hello]", (argument, _) => ValueTask.FromResult(argument));
}
