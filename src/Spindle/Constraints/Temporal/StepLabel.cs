namespace Spindle.Constraints.Temporal;

/// <summary>
/// The label of one step of an agent trace, e.g. <c>Thought</c> or <c>Action(search)</c>. An atom without an argument
/// (<c>Action</c>) matches every label of that name; an atom with one (<c>Action(search)</c>) only that label.
/// </summary>
public readonly record struct StepLabel
{
    public StepLabel(string name, string? argument = null)
    {
        if (!LtlLexer.IsIdentifier(name)) throw new ArgumentException($"'{name}' is not a step label name (letters, digits, '_')", nameof(name));
        if (argument is not null && !LtlLexer.IsArgument(argument))
            throw new ArgumentException($"'{argument}' is not a label argument (letters, digits, '_', '-', '.', '/')", nameof(argument));
        Name = name;
        Argument = argument;
    }

    public string Name { get; }

    /// <summary>Null for an unparameterised label.</summary>
    public string? Argument { get; }

    /// <summary>Whether this label, read as an atom of a formula, holds at a step labelled <paramref name="step"/>.</summary>
    public bool Matches(StepLabel step) =>
        string.Equals(Name, step.Name, StringComparison.Ordinal) &&
        (Argument is null || string.Equals(Argument, step.Argument, StringComparison.Ordinal));

    /// <summary>Parses <c>Name</c> or <c>Name(argument)</c>.</summary>
    public static StepLabel Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int open = text.IndexOf('(');
        if (open < 0) return new StepLabel(text);
        if (!text.EndsWith(')')) throw new FormatException($"step label '{text}' has '(' without a closing ')'");
        return new StepLabel(text[..open], text[(open + 1)..^1]);
    }

    public override string ToString() => Argument is null ? Name ?? "" : $"{Name}({Argument})";
}
