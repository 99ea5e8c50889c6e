using System.Runtime.CompilerServices;

namespace Spindle.Constraints.Parsing;

/// <summary>
/// An Earley recognizer over lexemes with a stack of item sets in flat arrays: set k holds items
/// [SetStart[k], SetStart[k+1]). Scanning pushes a set, <see cref="TruncateTo"/> pops sets, and sets below the top are
/// never modified, which makes backtracking (in the token-trie walk), rollback and cloning cheap. Nullable rules use the
/// Aycock–Horspool prediction (advance over a nullable nonterminal when predicting it). Each set also records which
/// lexemes may come next (as the lexer start state for them) and whether the input so far is a complete sentence.
/// Not thread-safe: one per sequence.
/// </summary>
internal sealed class EarleyParser
{
    private readonly CompiledGrammar _g;
    private ProductionTables _t; // the grammar's snapshot this parser has seen; refreshed when it meets a lazy rule

    private int[] _itemPosition = new int[256];
    private int[] _itemOrigin = new int[256];
    private int _itemCount;

    private int[] _setStart = new int[64];
    private int[] _setLexerStart = new int[64];
    private bool[] _setAccepting = new bool[64];
    private int _setCount;

    // Memo of how each set slot was last built: from which lexer state's lexemes, on top of which version of the set
    // below. A walk that scans the same lexeme on the same parent again (the common case in the token-trie walk: every
    // token that closes the current string) re-pushes the intact set instead of rebuilding it.
    private int[] _setVersion = new int[64];
    private int[] _setBuiltFromLex = new int[64];
    private int[] _setBuiltOnVersion = new int[64];
    private int _versionCounter;

    // Per-position / per-rule stamps that deduplicate items and predictions while building one set.
    private int[] _positionStamp;
    private int[] _predictStamp;
    private readonly int[] _lexemeStamp;
    private int _stamp;
    private int[] _allowed = new int[16];

    public EarleyParser(CompiledGrammar grammar)
    {
        _g = grammar;
        _t = grammar.Tables;
        _positionStamp = new int[_t.PositionCount];
        _predictStamp = new int[_t.RuleCount];
        _lexemeStamp = new int[Math.Max(1, grammar.Grammar.Lexemes.Count)];
        _setStart[0] = 0;
        Array.Fill(_setBuiltFromLex, -1);
        BeginSet();
        for (int p = _t.RuleStart[0]; p < _t.RuleEnd[0]; p++) AddItem(_t.ProductionStarts[p], 0);
        FinishSet();
    }

    private EarleyParser(EarleyParser other)
    {
        _g = other._g;
        _t = other._t;
        _itemPosition = other._itemPosition[..other._itemCount];
        _itemOrigin = other._itemOrigin[..other._itemCount];
        Array.Resize(ref _itemPosition, Math.Max(256, other._itemCount * 2));
        Array.Resize(ref _itemOrigin, _itemPosition.Length);
        _itemCount = other._itemCount;
        _setStart = (int[])other._setStart.Clone();
        _setLexerStart = (int[])other._setLexerStart.Clone();
        _setAccepting = (bool[])other._setAccepting.Clone();
        _setCount = other._setCount;
        _setVersion = (int[])other._setVersion.Clone();
        _setBuiltOnVersion = (int[])other._setBuiltOnVersion.Clone();
        _setBuiltFromLex = new int[other._setBuiltFromLex.Length];
        Array.Fill(_setBuiltFromLex, -1);
        _versionCounter = other._versionCounter;
        _positionStamp = new int[other._positionStamp.Length];
        _predictStamp = new int[other._predictStamp.Length];
        _lexemeStamp = new int[other._lexemeStamp.Length];
    }

    public EarleyParser Clone() => new(this);

    public int SetCount => _setCount;

    /// <summary>Lexer start state for the lexemes the top set allows.</summary>
    public int TopLexerStart
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _setLexerStart[_setCount - 1];
    }

    /// <summary>Whether the lexemes consumed so far form a sentence of the grammar.</summary>
    public bool TopAccepting
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _setAccepting[_setCount - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TruncateTo(int setCount)
    {
        _setCount = setCount;
        _itemCount = _setStart[setCount];
    }

    /// <summary>
    /// Consumes one lexeme that matched as any of <paramref name="lexemes"/> (several when the same bytes match several
    /// lexeme regexes). Returns false and leaves the parser unchanged when the grammar allows none of them here.
    /// </summary>
    public bool Scan(ReadOnlySpan<int> lexemes) => ScanCore(lexemes, -1);

    /// <summary>
    /// <see cref="Scan"/> of the lexemes lexer state <paramref name="lexerState"/> accepts, reusing the set built by the
    /// same scan on the same parent if it is still intact above the top.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ScanCompleted(int lexerState, ReadOnlySpan<int> lexemes)
    {
        int k = _setCount;
        if (_setBuiltFromLex[k] == lexerState && _setBuiltOnVersion[k] == _setVersion[k - 1])
        {
            _setCount = k + 1;
            _itemCount = _setStart[k + 1];
            return true;
        }
        return ScanCore(lexemes, lexerState);
    }

    private bool ScanCore(ReadOnlySpan<int> lexemes, int lexerState)
    {
        int from = _setCount - 1;
        int begin = _setStart[from], end = _setStart[from + 1];
        BeginSet();
        var symbols = _t.Symbols;
        for (int i = begin; i < end; i++)
        {
            int sym = symbols[_itemPosition[i]];
            if (sym >= 0 || sym == CompiledGrammar.EndMarker) continue;
            if (lexemes.Length == 1 ? lexemes[0] == ~sym : lexemes.BinarySearch(~sym) >= 0)
                AddItem(_itemPosition[i] + 1, _itemOrigin[i]);
        }
        if (_itemCount == _setStart[_setCount])
        {
            _itemCount = _setStart[_setCount];
            return false;
        }
        int k = _setCount;
        FinishSet();
        _setBuiltFromLex[k] = lexerState;
        _setBuiltOnVersion[k] = _setVersion[k - 1];
        return true;
    }

    private void BeginSet()
    {
        if (_setCount + 2 > _setStart.Length)
        {
            int n = _setStart.Length * 2;
            Array.Resize(ref _setStart, n);
            Array.Resize(ref _setLexerStart, n);
            Array.Resize(ref _setAccepting, n);
            Array.Resize(ref _setVersion, n);
            Array.Resize(ref _setBuiltOnVersion, n);
            int old = _setBuiltFromLex.Length;
            Array.Resize(ref _setBuiltFromLex, n);
            Array.Fill(_setBuiltFromLex, -1, old, n - old);
        }
        // Any rebuild of this slot invalidates memos of the slots above it (they were built on the old version).
        _setVersion[_setCount] = ++_versionCounter;
        _setBuiltFromLex[_setCount] = -1;
        _setStart[_setCount] = _itemCount;
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_positionStamp);
            Array.Clear(_predictStamp);
            Array.Clear(_lexemeStamp);
            _stamp = 1;
        }
    }

    /// <summary>Closes the set under construction (predict / complete) and pushes it.</summary>
    private void FinishSet()
    {
        int k = _setCount;
        int begin = _setStart[k];
        var t = _t;
        var symbols = t.Symbols;
        int allowedCount = 0;
        bool accepting = false;
        for (int i = begin; i < _itemCount; i++)
        {
            int position = _itemPosition[i], origin = _itemOrigin[i];
            int sym = symbols[position];
            if (sym == CompiledGrammar.EndMarker)
            {
                if (position == _g.AcceptPosition && origin == 0) accepting = true;
                // An item completed in its own set derives ε; the nullable prediction below has already advanced over it.
                if (origin == k) continue;
                int rule = t.PositionRule[position];
                for (int j = _setStart[origin], e = _setStart[origin + 1]; j < e; j++)
                    if (symbols[_itemPosition[j]] == rule) AddItem(_itemPosition[j] + 1, _itemOrigin[j]);
            }
            else if (sym >= 0)
            {
                if (_predictStamp[sym] != _stamp)
                {
                    _predictStamp[sym] = _stamp;
                    if (t.RuleStart[sym] < 0)
                    {
                        t = Refresh(sym);
                        symbols = t.Symbols;
                    }
                    for (int p = t.RuleStart[sym], pe = t.RuleEnd[sym]; p < pe; p++) AddItem(t.ProductionStarts[p], k);
                }
                if (t.Nullable[sym]) AddItem(position + 1, origin);
            }
            else
            {
                int lexeme = ~sym;
                if (_lexemeStamp[lexeme] != _stamp)
                {
                    _lexemeStamp[lexeme] = _stamp;
                    if (allowedCount == _allowed.Length) Array.Resize(ref _allowed, _allowed.Length * 2);
                    _allowed[allowedCount++] = lexeme;
                }
            }
        }
        var allowed = _allowed.AsSpan(0, allowedCount);
        allowed.Sort();
        _setLexerStart[k] = _g.LexerStartState(allowed);
        _setAccepting[k] = accepting;
        _setCount = k + 1;
        _setStart[k + 1] = _itemCount;
    }

    /// <summary>Switches to a snapshot where lazy rule <paramref name="rule"/> has productions; grows the stamps to match.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ProductionTables Refresh(int rule)
    {
        var t = _g.Materialize(rule);
        if (_positionStamp.Length < t.PositionCount) Array.Resize(ref _positionStamp, Math.Max(t.PositionCount, _positionStamp.Length * 2));
        if (_predictStamp.Length < t.RuleCount) Array.Resize(ref _predictStamp, Math.Max(t.RuleCount, _predictStamp.Length * 2));
        _t = t;
        return t;
    }

    private void AddItem(int position, int origin)
    {
        if (_positionStamp[position] == _stamp)
        {
            for (int i = _setStart[_setCount]; i < _itemCount; i++)
                if (_itemPosition[i] == position && _itemOrigin[i] == origin) return;
        }
        else _positionStamp[position] = _stamp;
        if (_itemCount == _itemPosition.Length)
        {
            Array.Resize(ref _itemPosition, _itemCount * 2);
            Array.Resize(ref _itemOrigin, _itemCount * 2);
        }
        _itemPosition[_itemCount] = position;
        _itemOrigin[_itemCount] = origin;
        _itemCount++;
    }
}
