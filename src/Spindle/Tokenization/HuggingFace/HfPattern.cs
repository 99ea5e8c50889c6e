using System.Text.RegularExpressions;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>A literal or regular-expression pattern from tokenizer.json (HF's onig patterns, run by .NET's Regex).</summary>
internal sealed class HfPattern
{
    private readonly string? _literal;
    private readonly Regex? _regex;

    private HfPattern(string? literal, Regex? regex) { _literal = literal; _regex = regex; }

    public static HfPattern Literal(string text) => new(text, null);

    /// <summary>A literal of one UTF-16 character: its matches never overlap a neighbouring character.</summary>
    public bool IsSingleCharacter => _literal is { Length: 1 };

    public static HfPattern Regex(string pattern)
    {
        try
        {
            return new(null, new Regex(pattern, RegexOptions.CultureInvariant));
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"tokenizer.json: regex pattern '{pattern}' is not supported by .NET regular expressions: {e.Message}", e);
        }
    }

    /// <summary>Non-empty matches of the pattern in <paramref name="text"/>, as (start, length), left to right.</summary>
    public void FindMatches(string text, List<(int Start, int Length)> matches)
    {
        matches.Clear();
        if (text.Length == 0) return;
        if (_literal != null)
        {
            if (_literal.Length == 0) return;
            for (int at = text.IndexOf(_literal, StringComparison.Ordinal); at >= 0;
                 at = text.IndexOf(_literal, at + _literal.Length, StringComparison.Ordinal))
                matches.Add((at, _literal.Length));
            return;
        }
        foreach (var m in _regex!.EnumerateMatches(text))
        {
            if (m.Length > 0) matches.Add((m.Index, m.Length));
        }
    }

    public string Replace(string text, string content)
    {
        if (_literal != null) return _literal.Length == 0 ? text : text.Replace(_literal, content, StringComparison.Ordinal);
        // HF substitutes content literally, so '$' must not be read as a group reference.
        return _regex!.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal));
    }
}
