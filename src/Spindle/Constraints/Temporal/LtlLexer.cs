namespace Spindle.Constraints.Temporal;

/// <summary>Character classes of the LTLf syntax (shared by the parser and <see cref="StepLabel"/>).</summary>
internal static class LtlLexer
{
    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    public static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    public static bool IsArgumentPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/';

    public static bool IsIdentifier(string? s)
    {
        if (string.IsNullOrEmpty(s) || !IsIdentifierStart(s[0])) return false;
        foreach (char c in s) if (!IsIdentifierPart(c)) return false;
        return true;
    }

    public static bool IsArgument(string? s)
    {
        if (string.IsNullOrEmpty(s)) return false;
        foreach (char c in s) if (!IsArgumentPart(c)) return false;
        return true;
    }

    /// <summary>Words that are operators, never atoms.</summary>
    public static bool IsKeyword(string word) => word is "X" or "N" or "WX" or "F" or "G" or "U" or "R" or "W" or "true" or "false" or "last"
        or "AtMost" or "AtLeast" or "Exactly";
}
