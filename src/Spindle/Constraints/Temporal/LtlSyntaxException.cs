namespace Spindle.Constraints.Temporal;

/// <summary>An LTLf formula that does not parse: <see cref="Position"/> is the 0-based character offset of the problem.</summary>
public sealed class LtlSyntaxException : SpindleException
{
    public LtlSyntaxException(string source, int position, string reason)
        : base($"LTLf syntax error at position {position + 1}: {reason}\n  {source}\n  {new string(' ', Math.Clamp(position, 0, source.Length))}^")
    {
        FormulaText = source;
        Position = position;
        Reason = reason;
    }

    /// <summary>The formula text.</summary>
    public string FormulaText { get; }

    public int Position { get; }

    /// <summary>The message without position and excerpt.</summary>
    public string Reason { get; }
}
