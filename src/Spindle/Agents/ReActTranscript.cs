using System.Text;

namespace Spindle.Agents;

/// <summary>
/// The text form of a ReAct trace, one step per line: <c>Thought: …</c>, <c>Action: tool[argument]</c>,
/// <c>Observation: …</c>, <c>Answer: …</c> (an Action's argument may also be in &lt;&gt; or (), for vocabularies without '['). Parsing also accepts what other agents write: blank lines and a
/// <c>Question:</c> line are skipped, text before the first step is a preamble, and other lines continue the step above.
/// </summary>
public static class ReActTranscript
{
    public const string ThoughtPrefix = "Thought: ";
    public const string ActionPrefix = "Action: ";
    public const string ObservationPrefix = "Observation: ";
    public const string AnswerPrefix = "Answer: ";

    /// <summary>The pairs an Action's argument may be written in; parsing accepts each.</summary>
    public static IReadOnlyList<string> ActionBracketPairs { get; } = ["[]", "<>", "()"];

    /// <summary>One transcript line; <paramref name="brackets"/> are the two characters around an Action's argument.</summary>
    public static string Format(AgentStep step, string brackets = "[]") => step.Kind switch
    {
        AgentStepKind.Thought => ThoughtPrefix + step.Content + "\n",
        AgentStepKind.Action => $"{ActionPrefix}{step.Tool}{brackets[0]}{step.Content}{brackets[1]}\n",
        AgentStepKind.Observation => ObservationPrefix + step.Content + "\n",
        AgentStepKind.Answer => AnswerPrefix + step.Content + "\n",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "unknown step kind"),
    };

    public static string Format(IEnumerable<AgentStep> steps, string brackets = "[]")
    {
        var sb = new StringBuilder();
        foreach (var step in steps) sb.Append(Format(step, brackets));
        return sb.ToString();
    }

    /// <summary>Parses a transcript; throws <see cref="FormatException"/> naming the line of a malformed Action.</summary>
    public static IReadOnlyList<AgentStep> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var steps = new List<AgentStep>();
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            string trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith("Question:", StringComparison.Ordinal)) continue;
            if (TryParseLine(trimmed, i + 1, out var step)) steps.Add(step);
            else if (steps.Count > 0 && steps[^1].Kind != AgentStepKind.Action)
                steps[^1] = steps[^1] with { Content = steps[^1].Content + "\n" + line };
            else if (steps.Count > 0)
                throw new FormatException($"line {i + 1}: text after an Action line; write the tool's result as 'Observation: …'");
        }
        return steps;
    }

    /// <summary>Parses one step line (no trailing newline); false when it starts with no step prefix.</summary>
    public static bool TryParseLine(string line, int lineNumber, out AgentStep step)
    {
        ArgumentNullException.ThrowIfNull(line);
        step = null!;
        if (TryContent(line, ThoughtPrefix, out string content)) step = new AgentStep(AgentStepKind.Thought, content);
        else if (TryContent(line, ObservationPrefix, out content)) step = new AgentStep(AgentStepKind.Observation, content);
        else if (TryContent(line, AnswerPrefix, out content)) step = new AgentStep(AgentStepKind.Answer, content);
        else if (TryContent(line, ActionPrefix, out content))
        {
            int open = -1;
            foreach (string pair in ActionBracketPairs)
                if (content.EndsWith(pair[1])) { open = content.IndexOf(pair[0]); break; }
            if (open <= 0)
                throw new FormatException($"line {lineNumber}: an Action is written 'Action: tool[argument]' (or with <> or ()), not '{line}'");
            string tool = content[..open].Trim();
            try
            {
                step = new AgentStep(AgentStepKind.Action, content[(open + 1)..^1], tool);
                _ = step.Label; // validates the tool name
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"line {lineNumber}: {e.Message}", e);
            }
        }
        else return false;
        return true;
    }

    // "Thought:" with nothing after it is a step too.
    private static bool TryContent(string line, string prefix, out string content)
    {
        if (line.StartsWith(prefix, StringComparison.Ordinal)) { content = line[prefix.Length..]; return true; }
        if (line == prefix.TrimEnd()) { content = ""; return true; }
        content = "";
        return false;
    }
}
