using System.Text;

namespace Spindle.Agents;

/// <summary>
/// The content grammar of one model step: a regex (through the Regex front end) that is the alternation of the step
/// formats of the allowed moves, e.g. <c>Thought: [ -~]{1,48}\n|Action: calc\[[…]{0,32}\]\n</c>. Every part is
/// bounded and printable ASCII, so a step is at most <see cref="MaxBytes"/> bytes and cannot run on; after its newline
/// only end-of-generation is allowed.
/// </summary>
public sealed class ReActStepGrammar
{
    // Printable ASCII; an argument excludes its brackets and '\\', so the closing bracket ends it.
    private const string TextClass = "[ -~]";

    public ReActStepGrammar(IReadOnlyList<ReActMove> moves, int maxContentChars, int maxArgumentChars, string brackets = "[]",
        string? thoughtPattern = null, string? answerPattern = null)
    {
        ArgumentNullException.ThrowIfNull(brackets);
        if (brackets.Length != 2 || brackets[0] is < ' ' or > '~' || brackets[1] is < ' ' or > '~' || char.IsAsciiLetterOrDigit(brackets[0]) || char.IsAsciiLetterOrDigit(brackets[1]))
            throw new ArgumentException($"action brackets must be two ASCII punctuation characters, not '{brackets}'", nameof(brackets));
        string argumentClass = ArgumentClass(brackets);
        ArgumentNullException.ThrowIfNull(moves);
        if (moves.Count == 0) throw new ArgumentException("no step is allowed", nameof(moves));
        if (maxContentChars < 1) throw new ArgumentOutOfRangeException(nameof(maxContentChars), maxContentChars, "must be ≥ 1");
        if (maxArgumentChars < 0) throw new ArgumentOutOfRangeException(nameof(maxArgumentChars), maxArgumentChars, "must be ≥ 0");
        var pattern = new StringBuilder();
        int maxBytes = 0;
        foreach (var move in moves)
        {
            if (pattern.Length > 0) pattern.Append('|');
            int bytes;
            switch (move.Kind)
            {
                case AgentStepKind.Thought or AgentStepKind.Answer:
                    string prefix = move.Kind == AgentStepKind.Thought ? ReActTranscript.ThoughtPrefix : ReActTranscript.AnswerPrefix;
                    string? custom = move.Kind == AgentStepKind.Thought ? thoughtPattern : answerPattern;
                    pattern.Append(Escape(prefix));
                    if (custom is null)
                    {
                        pattern.Append(TextClass).Append("{1,").Append(maxContentChars).Append("}\\n");
                        bytes = prefix.Length + maxContentChars + 1;
                    }
                    else
                    {
                        pattern.Append("(?:").Append(custom).Append(")\\n");
                        bytes = -1;
                        IsBounded = false;
                    }
                    break;
                case AgentStepKind.Action:
                    string head = $"{ReActTranscript.ActionPrefix}{move.Tool}{brackets[0]}";
                    pattern.Append(Escape(head)).Append(argumentClass).Append("{0,").Append(maxArgumentChars).Append('}')
                        .Append(Escape(brackets[1].ToString())).Append("\\n");
                    bytes = head.Length + maxArgumentChars + 2;
                    break;
                default:
                    throw new ArgumentException($"the model does not write {move.Kind} steps", nameof(moves));
            }
            maxBytes = Math.Max(maxBytes, bytes);
        }
        Pattern = pattern.ToString();
        MaxBytes = IsBounded ? maxBytes : -1;
    }

    public string Pattern { get; }

    /// <summary>False when a custom content pattern makes the longest step unknown.</summary>
    public bool IsBounded { get; } = true;

    /// <summary>Longest step in bytes (all ASCII, so also the most tokens a step can take, before end-of-generation); −1 when not <see cref="IsBounded"/>.</summary>
    public int MaxBytes { get; }

    private static string ArgumentClass(string brackets)
    {
        var sb = new StringBuilder("[");
        for (char c = ' '; c <= '~'; c++)
        {
            if (c == brackets[0] || c == brackets[1] || c == '\\') continue;
            if (c is '\\' or ']' or '[' or '^' or '-') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append(']').ToString();
    }

    private const string Metacharacters = "\\^$.|?*+()[]{}/-";

    private static string Escape(string literal)
    {
        var sb = new StringBuilder(literal.Length * 2);
        foreach (char c in literal)
        {
            if (Metacharacters.Contains(c)) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
