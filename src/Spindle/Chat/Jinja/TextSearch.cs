namespace Spindle.Chat.Jinja;

/// <summary>
/// Ordinal substring search in time linear in the text. .NET's IndexOf is vectorized but can take time proportional to
/// text × pattern on inputs a template can build (a pattern of a million 'a' with a 'b' in the middle, looked for in
/// ten million 'a'), so a pattern longer than <see cref="ShortPattern"/> characters is searched with Knuth–Morris–Pratt;
/// a short one keeps the vectorized search, whose worst case is then at most 32 times linear.
/// </summary>
internal sealed class TextSearch
{
    private const int ShortPattern = 32;

    private readonly string _pattern;
    // Knuth–Morris–Pratt's failure function: _failure[i] is the length of the longest proper prefix of
    // pattern[..(i + 1)] that is also its suffix. Null for short patterns.
    private readonly int[]? _failure;

    /// <summary>Prepares to search for <paramref name="pattern"/>, charging its length (and its table's size when long).</summary>
    public TextSearch(string pattern, RenderBudget budget)
    {
        _pattern = pattern;
        budget.Read(pattern.Length);
        if (pattern.Length <= ShortPattern) return;
        budget.CheckAllocation(4L * pattern.Length);
        _failure = new int[pattern.Length];
        for (int i = 1, k = 0; i < pattern.Length; i++)
        {
            while (k > 0 && pattern[i] != pattern[k]) k = _failure[k - 1];
            if (pattern[i] == pattern[k]) k++;
            _failure[i] = k;
        }
    }

    /// <summary>The first match at or after <paramref name="start"/>, or -1.</summary>
    public int IndexOf(string text, int start = 0) =>
        _failure is not null ? NextMatch(text, start, out _)
        : _pattern.Length == 1 ? text.IndexOf(_pattern[0], start) // the char search has far less overhead per call
        : text.IndexOf(_pattern, start, StringComparison.Ordinal);

    /// <summary>The last match (matches may overlap, as for Python's rfind), or -1.</summary>
    public int LastIndexOf(string text)
    {
        if (_failure is null) return text.LastIndexOf(_pattern, StringComparison.Ordinal);
        int last = -1;
        for (int k = 0, i = 0; i < text.Length; i++)
        {
            k = Step(k, text[i]);
            if (k == _pattern.Length)
            {
                last = i - k + 1;
                k = _failure[k - 1];
            }
        }
        return last;
    }

    /// <summary>Non-overlapping matches from the left, as Python's str.count counts them.</summary>
    public int Count(string text)
    {
        if (_pattern.Length == 0) return text.Length + 1;
        if (_failure is null) return _pattern.Length == 1 ? text.AsSpan().Count(_pattern[0]) : text.AsSpan().Count(_pattern.AsSpan());
        int n = 0;
        for (int at = NextMatch(text, 0, out int end); at >= 0; at = NextMatch(text, end, out end)) n++;
        return n;
    }

    private int NextMatch(string text, int start, out int end)
    {
        for (int k = 0, i = start; i < text.Length; i++)
        {
            k = Step(k, text[i]);
            if (k == _pattern.Length)
            {
                end = i + 1;
                return i + 1 - k;
            }
        }
        end = text.Length;
        return -1;
    }

    private int Step(int k, char c)
    {
        while (k > 0 && c != _pattern[k]) k = _failure![k - 1];
        return c == _pattern[k] ? k + 1 : k;
    }
}
