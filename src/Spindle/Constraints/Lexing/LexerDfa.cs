using System.Runtime.CompilerServices;

namespace Spindle.Constraints.Lexing;

/// <summary>
/// The lazily built byte-level DFA over a grammar's lexemes. A DFA state is the set of NFA states still alive (only
/// byte-range and accept states are kept, so equal sets mean equal futures); states and transitions are created on first
/// use and cached in a flat table of (state × byte class). Start states are per set of allowed lexemes and are distinct
/// from any state reached after a byte, so a lexeme never matches the empty string.
/// Thread-safe: transitions are read without locks; a missing one is computed under a lock, then published.
/// </summary>
public sealed class LexerDfa
{
    public const int Dead = -1;
    private const int Unknown = -2;

    /// <summary>Default bound on DFA states; reaching it throws a <see cref="GrammarException"/>.</summary>
    public const int DefaultMaxStates = 100_000;

    internal const byte FlagAccepting = 1, FlagCanExtend = 2;

    private readonly LexemeNfa _nfa;
    private readonly Predicate<int> _isLexemeState;
    private readonly byte[] _classes;
    private readonly int _classCount;
    private readonly int _maxStates;
    private readonly Lock _lock = new();
    private readonly Dictionary<StateKey, int> _stateByKey = new();

    private int[] _table = [];
    private byte[] _flags = [];
    private int[][] _accepts = [];
    private int[][] _sets = [];
    private int _stateCount;

    // Scratch for closure computations, used only under _lock.
    private readonly int[] _stamp;
    private int _stampValue;
    private readonly List<int> _work = [];
    private readonly List<int> _members = [];

    public LexerDfa(LexemeNfa nfa, int maxStates = DefaultMaxStates)
    {
        _nfa = nfa;
        _isLexemeState = s => s < nfa.ExceptStatesStart;
        _classes = nfa.ByteClasses;
        _classCount = nfa.ByteClassCount;
        _maxStates = maxStates;
        _stamp = new int[nfa.StateCount];
    }

    public int StateCount => Volatile.Read(ref _stateCount);

    /// <summary>The next state after <paramref name="value"/>, or <see cref="Dead"/>.</summary>
    public int Step(int state, byte value)
    {
        int encoded = StepEncoded(state, value);
        return encoded < 0 ? Dead : encoded >> FlagBits;
    }

    internal const int FlagBits = 2;

    /// <summary>
    /// The next state as (id &lt;&lt; <see cref="FlagBits"/>) | flags (<see cref="FlagAccepting"/>,
    /// <see cref="FlagCanExtend"/>), or a negative value when dead: one table load gives the walk all it needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int StepEncoded(int state, byte value)
    {
        int[] table = Volatile.Read(ref _table);
        int next = Volatile.Read(ref table[state * _classCount + _classes[value]]);
        return next != Unknown ? next : ComputeTransition(state, value);
    }

    /// <summary>Whether some lexeme matches the bytes that led to <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsAccepting(int state) => (Volatile.Read(ref _flags)[state] & FlagAccepting) != 0;

    /// <summary>Whether any byte might continue from <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanExtend(int state) => (Volatile.Read(ref _flags)[state] & FlagCanExtend) != 0;

    /// <summary>
    /// The transition table as published now: entry [state × <see cref="ClassCount"/> + class] is a
    /// <see cref="StepEncoded"/> value, or <see cref="Unknown"/> (then call <see cref="StepEncoded"/>, which may publish a
    /// bigger table). For walks that step many times: one load per step, no re-read of the table field.
    /// </summary>
    internal int[] Table => Volatile.Read(ref _table);

    internal const int UnknownTransition = Unknown;

    internal int ClassCount => _classCount;

    internal byte[] Classes => _classes;

    /// <summary>The byte class of <paramref name="value"/>: bytes of one class lead every state to the same state.</summary>
    internal int ByteClassOf(byte value) => _classes[value];

    /// <summary><see cref="FlagAccepting"/> | <see cref="FlagCanExtend"/> of <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte Flags(int state) => Volatile.Read(ref _flags)[state];

    /// <summary>Lexemes (sorted ids) that match the bytes that led to <paramref name="state"/>.</summary>
    public ReadOnlySpan<int> AcceptedLexemes(int state) => Volatile.Read(ref _accepts)[state];

    internal LexemeNfa Nfa => _nfa;

    /// <summary>The NFA states (sorted; range and accept states only) that <paramref name="state"/> stands for.</summary>
    internal int[] NfaStates(int state)
    {
        lock (_lock) return _sets[state];
    }

    /// <summary>
    /// The (non-start) state for a subset of another state's NFA states, e.g. one lexeme's part of it: a closed set stays
    /// closed when states are dropped, so its transitions are those of that part alone.
    /// </summary>
    internal int StateOfSubset(ReadOnlySpan<int> sortedNfaStates)
    {
        lock (_lock)
        {
            _members.Clear();
            foreach (int s in sortedNfaStates) _members.Add(s);
            return Intern(isStart: false);
        }
    }

    /// <summary>The start state for a sorted set of allowed lexemes.</summary>
    public int StartState(ReadOnlySpan<int> lexemes)
    {
        lock (_lock)
        {
            _members.Clear();
            NextStamp();
            foreach (int lexeme in lexemes) Close(_nfa.StartOf(lexeme));
            return Intern(isStart: true);
        }
    }

    private int ComputeTransition(int state, byte value)
    {
        lock (_lock)
        {
            int index = state * _classCount + _classes[value];
            int known = _table[index];
            if (known != Unknown) return known;
            _members.Clear();
            NextStamp();
            var kind = _nfa.Kind;
            foreach (int s in _sets[state])
                if (kind[s] == LexemeNfa.KindRange && value >= _nfa.Low[s] && value <= _nfa.High[s]) Close(_nfa.Next[s]);
            int next = Dead;
            // Exception states without any lexeme state left can veto nothing: the lexemes are dead.
            if (_members.Count > 0 && _members.Exists(_isLexemeState))
            {
                int id = Intern(isStart: false);
                next = id << FlagBits | _flags[id];
            }
            Volatile.Write(ref _table[index], next);
            return next;
        }
    }

    private void NextStamp()
    {
        if (++_stampValue == int.MaxValue)
        {
            Array.Clear(_stamp);
            _stampValue = 1;
        }
    }

    /// <summary>Adds the ε-closure of <paramref name="root"/>, keeping only range and accept states.</summary>
    private void Close(int root)
    {
        _work.Clear();
        _work.Add(root);
        var kind = _nfa.Kind;
        while (_work.Count > 0)
        {
            int s = _work[^1];
            _work.RemoveAt(_work.Count - 1);
            if (_stamp[s] == _stampValue) continue;
            _stamp[s] = _stampValue;
            if (kind[s] == LexemeNfa.KindSplit)
            {
                _work.Add(_nfa.Next2[s]);
                _work.Add(_nfa.Next[s]);
            }
            else _members.Add(s);
        }
    }

    private int Intern(bool isStart)
    {
        _members.Sort();
        var key = new StateKey([.. _members], isStart);
        if (_stateByKey.TryGetValue(key, out int existing)) return existing;
        int id = _stateCount;
        if (id >= _maxStates)
            throw new GrammarException($"lexer DFA exceeds {_maxStates:N0} states; simplify the lexeme regexes");
        EnsureCapacity(id + 1);
        var accepts = new List<int>();
        List<int>? vetoed = null;
        byte flags = 0;
        int exceptStart = _nfa.ExceptStatesStart;
        foreach (int s in key.Set)
        {
            byte kind = _nfa.Kind[s];
            if (kind == LexemeNfa.KindAccept)
            {
                if (!isStart) accepts.Add(_nfa.AcceptedLexeme(s));
            }
            else if (kind == LexemeNfa.KindVeto)
            {
                if (!isStart) (vetoed ??= []).Add(_nfa.AcceptedLexeme(s));
            }
            // An exception alone never extends a lexeme: only its veto matters, and only where the lexeme matches.
            else if (s < exceptStart && _nfa.Low[s] <= _nfa.High[s]) flags |= FlagCanExtend;
        }
        if (vetoed is not null) accepts.RemoveAll(vetoed.Contains);
        accepts.Sort();
        if (accepts.Count > 0) flags |= FlagAccepting;
        _sets[id] = key.Set;
        _accepts[id] = [.. accepts];
        _flags[id] = flags;
        _stateByKey[key] = id;
        Volatile.Write(ref _stateCount, id + 1);
        return id;
    }

    private void EnsureCapacity(int states)
    {
        if (_sets.Length >= states) return;
        int capacity = Math.Max(16, Math.Max(states, _sets.Length * 2));
        var table = new int[capacity * _classCount];
        Array.Fill(table, Unknown);
        _table.CopyTo(table, 0);
        Array.Resize(ref _sets, capacity);
        var accepts = _accepts;
        Array.Resize(ref accepts, capacity);
        var flags = _flags;
        Array.Resize(ref flags, capacity);
        // Publish metadata before the table so a reader that sees a new state id also sees its flags.
        Volatile.Write(ref _accepts, accepts);
        Volatile.Write(ref _flags, flags);
        Volatile.Write(ref _table, table);
    }

    private readonly struct StateKey(int[] set, bool isStart) : IEquatable<StateKey>
    {
        public readonly int[] Set = set;
        public readonly bool IsStart = isStart;

        public bool Equals(StateKey other) => IsStart == other.IsStart && Set.AsSpan().SequenceEqual(other.Set);
        public override bool Equals(object? obj) => obj is StateKey k && Equals(k);
        public override int GetHashCode()
        {
            var h = new HashCode();
            h.Add(IsStart);
            foreach (int s in Set) h.Add(s);
            return h.ToHashCode();
        }
    }
}
