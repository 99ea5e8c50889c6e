namespace Spindle.Sampling;

/// <summary>
/// DRY ("don't repeat yourself", from text-generation-webui and llama.cpp): if the sequence's last L tokens already
/// occurred earlier followed by token t, then choosing t would extend a verbatim repeat, so t's logit is lowered by
/// multiplier × base^(L − allowedLength) once L ≥ allowedLength. Sequence breakers (tokens whose text contains "\n",
/// ":", "\"" or "*" by default) end a match, so lists and dialogue do not count as repeats.
/// </summary>
public sealed class DryStage : ILogitsStage
{
    private readonly TokenHistory _history;
    private readonly bool[] _isBreaker;
    private readonly Dictionary<int, int> _matchLengths = new();

    /// <param name="isBreaker">For each token id, whether it breaks a repeat (shared, read-only).</param>
    public DryStage(float multiplier, float @base, int allowedLength, int window, bool[] isBreaker)
    {
        Multiplier = multiplier;
        Base = @base;
        AllowedLength = allowedLength;
        _history = new TokenHistory(window);
        _isBreaker = isBreaker;
    }

    public float Multiplier { get; }
    public float Base { get; }
    public int AllowedLength { get; }

    /// <summary>Marks as breakers the tokens whose decoded text contains any of <paramref name="breakers"/>.</summary>
    public static bool[] BreakerTable(int vocabularySize, Func<int, string> tokenText, IReadOnlyList<string> breakers)
    {
        var table = new bool[vocabularySize];
        for (int id = 0; id < vocabularySize; id++)
        {
            string text = tokenText(id);
            foreach (string b in breakers)
            {
                if (b.Length > 0 && text.Contains(b, StringComparison.Ordinal))
                {
                    table[id] = true;
                    break;
                }
            }
        }
        return table;
    }

    public static IReadOnlyList<string> DefaultBreakers { get; } = ["\n", ":", "\"", "*"];

    public void Apply(CandidateSet candidates)
    {
        int n = _history.Count;
        if (Multiplier <= 0f || n < 2) return;
        int last = _history[n - 1];
        if (IsBreaker(last)) return;
        _matchLengths.Clear();
        // For every earlier position i holding the same token as the last one, measure how far back the match goes;
        // the token that followed position i would extend the repeat.
        for (int i = n - 2; i >= 0; i--)
        {
            if (_history[i] != last) continue;
            int length = 0;
            while (length <= i && i - length >= 0)
            {
                int a = _history[i - length];
                int b = _history[n - 1 - length];
                if (a != b || IsBreaker(a)) break;
                length++;
                if (n - 1 - length <= i) break; // the suffix may not overlap the earlier occurrence's end
            }
            int next = _history[i + 1];
            if (length > _matchLengths.GetValueOrDefault(next)) _matchLengths[next] = length;
        }
        if (_matchLengths.Count == 0) return;
        foreach (ref var c in candidates.Items)
        {
            if (_matchLengths.TryGetValue(c.Id, out int length) && length >= AllowedLength)
                c.Logit -= Multiplier * MathF.Pow(Base, length - AllowedLength);
        }
        candidates.MarkUnsorted();
    }

    private bool IsBreaker(int token) => (uint)token < (uint)_isBreaker.Length && _isBreaker[token];

    public void Accept(int token) => _history.Add(token);

    public void Reset() => _history.Clear();

    public ILogitsStage Clone()
    {
        var copy = new DryStage(Multiplier, Base, AllowedLength, _history.Capacity, _isBreaker);
        for (int i = 0; i < _history.Count; i++) copy._history.Add(_history[i]);
        return copy;
    }
}
