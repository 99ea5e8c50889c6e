namespace Spindle.Constraints.Lexing;

/// <summary>
/// A Thompson NFA over bytes for all lexemes of a grammar at once. Each state is one of: a byte-range state
/// ([Low, High] → Next), a split (ε → Next, ε → Next2), or an accept state for one lexeme. Lexeme i starts at
/// <see cref="StartOf"/>(i). Bounded by <see cref="MaxStates"/> so repetition blow-ups fail at compile time.
/// </summary>
public sealed class LexemeNfa
{
    public const int MaxStates = 250_000;

    internal const byte KindRange = 0, KindSplit = 1, KindAccept = 2, KindVeto = 3;

    private readonly List<byte> _kind = [];
    private readonly List<byte> _low = [];
    private readonly List<byte> _high = [];
    private readonly List<int> _next = [];
    private readonly List<int> _next2 = [];
    private readonly int[] _starts;
    private readonly int[] _firstStates; // lexeme i owns states [_firstStates[i], _firstStates[i + 1])

    internal byte[] Kind = [];
    internal byte[] Low = [];
    internal byte[] High = [];
    internal int[] Next = [];
    internal int[] Next2 = [];

    /// <param name="lexemes">Each lexeme's regex.</param>
    /// <param name="excepts">Per lexeme, null or a regex whose match vetoes the lexeme's match of the same bytes. Each is
    /// compiled after all lexemes, ending in a veto state (<see cref="KindVeto"/>, Next = the lexeme), and started
    /// beside its lexeme: its states stay out of every lexeme's own range.</param>
    public LexemeNfa(IReadOnlyList<RegexNode> lexemes, IReadOnlyList<RegexNode?>? excepts = null)
    {
        _starts = new int[lexemes.Count];
        _firstStates = new int[lexemes.Count];
        for (int i = 0; i < lexemes.Count; i++)
        {
            int accept = Add(KindAccept, 0, 0, i, -1);
            _firstStates[i] = accept;
            _starts[i] = Compile(lexemes[i], accept);
        }
        LexemeCount = lexemes.Count;
        ExceptStatesStart = _kind.Count;
        if (excepts is not null)
            for (int i = 0; i < lexemes.Count; i++)
                if (excepts[i] is { } except)
                {
                    int veto = Add(KindVeto, 0, 0, i, -1);
                    _starts[i] = Add(KindSplit, 0, 0, _starts[i], Compile(except, veto));
                }
        Kind = [.. _kind]; Low = [.. _low]; High = [.. _high]; Next = [.. _next]; Next2 = [.. _next2];
        StateCount = Kind.Length;
        ByteClasses = ComputeByteClasses(out int count);
        ByteClassCount = count;
    }

    public int StateCount { get; }

    public int StartOf(int lexeme) => _starts[lexeme];

    /// <summary>Bytes that no range boundary separates share a class; the DFA stores one transition per class.</summary>
    internal byte[] ByteClasses { get; }
    internal int ByteClassCount { get; }

    public int LexemeCount { get; }

    /// <summary>States from here on belong to lexemes' exceptions (see the constructor), not to their regexes.</summary>
    internal int ExceptStatesStart { get; }

    /// <summary>
    /// The lexeme whose regex <paramref name="state"/> belongs to (each lexeme's states are contiguous), or
    /// <see cref="LexemeCount"/> for a state of an exception.
    /// </summary>
    internal int LexemeOf(int state)
    {
        if (state >= ExceptStatesStart) return LexemeCount;
        int index = Array.BinarySearch(_firstStates, state);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The NFA states of <paramref name="lexeme"/>'s regex, as the range [Start, End).</summary>
    internal (int Start, int End) StatesOf(int lexeme) =>
        (_firstStates[lexeme], lexeme + 1 < _firstStates.Length ? _firstStates[lexeme + 1] : ExceptStatesStart);

    /// <summary>For accept states, Next holds the lexeme id.</summary>
    internal int AcceptedLexeme(int state) => Next[state];

    private int Add(byte kind, byte low, byte high, int next, int next2)
    {
        if (_kind.Count >= MaxStates)
            throw new GrammarException($"lexer automaton exceeds {MaxStates:N0} states (repetition counts too large)");
        _kind.Add(kind); _low.Add(low); _high.Add(high); _next.Add(next); _next2.Add(next2);
        return _kind.Count - 1;
    }

    private int Compile(RegexNode node, int next)
    {
        switch (node)
        {
            case RegexEmpty:
                return next;
            case RegexCharSet cs:
            {
                int start = -1;
                foreach (var seq in Utf8Ranges.Split(cs.Set))
                {
                    int s = next;
                    for (int k = seq.Length - 1; k >= 0; k--) s = Add(KindRange, seq[k].Low, seq[k].High, s, -1);
                    start = start < 0 ? s : Add(KindSplit, 0, 0, s, start);
                }
                // An empty class matches nothing: a range state with an impossible range keeps the automaton valid.
                return start >= 0 ? start : Add(KindRange, 1, 0, next, -1);
            }
            case RegexConcat c:
                for (int i = c.Items.Length - 1; i >= 0; i--) next = Compile(c.Items[i], next);
                return next;
            case RegexAlternation a:
            {
                int start = Compile(a.Items[^1], next);
                for (int i = a.Items.Length - 2; i >= 0; i--) start = Add(KindSplit, 0, 0, Compile(a.Items[i], next), start);
                return start;
            }
            case RegexRepeat r:
            {
                int tail = next;
                if (r.Max < 0)
                {
                    int loop = Add(KindSplit, 0, 0, -1, next);
                    _next[loop] = Compile(r.Item, loop);
                    tail = loop;
                }
                else
                {
                    for (int i = r.Min; i < r.Max; i++) tail = Add(KindSplit, 0, 0, Compile(r.Item, tail), next);
                }
                for (int i = 0; i < r.Min; i++) tail = Compile(r.Item, tail);
                return tail;
            }
            default:
                throw new ArgumentException($"unknown regex node {node.GetType().Name}");
        }
    }

    private byte[] ComputeByteClasses(out int count)
    {
        Span<bool> boundary = stackalloc bool[257];
        for (int s = 0; s < Kind.Length; s++)
        {
            if (Kind[s] != KindRange || Low[s] > High[s]) continue;
            boundary[Low[s]] = true;
            boundary[High[s] + 1] = true;
        }
        var classes = new byte[256];
        int current = 0;
        for (int b = 0; b < 256; b++)
        {
            if (b > 0 && boundary[b]) current++;
            classes[b] = (byte)current;
        }
        count = current + 1;
        return classes;
    }
}
