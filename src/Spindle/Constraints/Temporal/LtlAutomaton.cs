namespace Spindle.Constraints.Temporal;

/// <summary>
/// A complete DFA over a finite alphabet of step labels that accepts exactly the finite traces satisfying an LTLf
/// formula. Built eagerly by formula progression (derivatives) with canonical DNF states; immutable and thread-safe.
/// A label outside the alphabet is read as the alphabet symbol that every atom of the formula treats the same way.
/// </summary>
public sealed class LtlAutomaton
{
    /// <summary>Default bound on the number of states.</summary>
    public const int DefaultMaxStates = 20_000;

    /// <summary>Bound on states × alphabet labels (the transition table, 4 bytes each).</summary>
    public const int MaxTransitions = 4_000_000;

    /// <summary>Bound on the obligations (clause leaves) all states hold together during construction.</summary>
    public const long MaxStoredLeaves = 500_000;

    private readonly StepLabel[] _alphabet;
    private readonly StepLabel[] _atoms;
    private readonly int[] _next;       // [state * alphabet + symbol]
    private readonly bool[] _accepting;
    private readonly int[] _distance;   // fewest steps to an accepting state; −1 when none is reachable
    private readonly string[] _stateText;

    private LtlAutomaton(LtlFormula formula, StepLabel[] alphabet, StepLabel[] atoms, int[] next, bool[] accepting, string[] stateText)
    {
        Formula = formula;
        _alphabet = alphabet;
        _atoms = atoms;
        _next = next;
        _accepting = accepting;
        _stateText = stateText;
        _distance = Distances();
    }

    public LtlFormula Formula { get; }

    public IReadOnlyList<StepLabel> Alphabet => _alphabet;

    public int StateCount => _accepting.Length;

    /// <summary>The state before any step.</summary>
    public int Start => 0;

    public static LtlAutomaton Build(LtlFormula formula, IEnumerable<StepLabel> alphabet, int maxStates = DefaultMaxStates)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(alphabet);
        StepLabel[] symbols = [.. alphabet.Distinct()];
        if (symbols.Length == 0) throw new ArgumentException("the alphabet has no labels", nameof(alphabet));
        var atoms = new HashSet<StepLabel>();
        CollectAtoms(formula, atoms);

        var progression = new LtlProgression(maxClauses: 4096);
        var states = new List<List<int[]>> { progression.ToDnf(LtlNormalForm.Convert(formula)) };
        var ids = new Dictionary<string, int> { [LtlProgression.Key(states[0])] = 0 };
        var next = new List<int>();
        long storedLeaves = 0;
        for (int s = 0; s < states.Count; s++)
        {
            foreach (var symbol in symbols)
            {
                var successor = progression.Progress(states[s], symbol);
                string key = LtlProgression.Key(successor);
                if (!ids.TryGetValue(key, out int id))
                {
                    if (states.Count >= maxStates)
                        throw new LtlAutomatonLimitException($"the automaton of '{formula}' has more than {maxStates} states");
                    // The transition table is states × labels: a huge alphabet fills memory long before the state bound.
                    if ((long)(states.Count + 1) * symbols.Length > MaxTransitions)
                        throw new LtlAutomatonLimitException(
                            $"the automaton of '{formula}' over {symbols.Length} labels needs more than {MaxTransitions:N0} transitions ({states.Count + 1} states)");
                    id = states.Count;
                    ids.Add(key, id);
                    states.Add(successor);
                    // States × clauses is what costs memory and time; bound it as well as the state count.
                    foreach (var clause in successor) storedLeaves += clause.Length + 1;
                    if (storedLeaves > MaxStoredLeaves)
                        throw new LtlAutomatonLimitException($"the automaton of '{formula}' is too large ({states.Count} states holding {storedLeaves} obligations); simplify the formula");
                }
                next.Add(id);
            }
        }
        var accepting = new bool[states.Count];
        var text = new string[states.Count];
        for (int s = 0; s < states.Count; s++)
        {
            accepting[s] = progression.IsAccepting(states[s]);
            text[s] = Describe(states[s], progression);
        }
        (int[] minimalNext, bool[] minimalAccepting, string[] minimalText) = Minimize([.. next], accepting, text, symbols.Length);
        return new LtlAutomaton(formula, symbols, [.. atoms], minimalNext, minimalAccepting, minimalText);
    }

    // Moore's partition refinement: progression can reach equivalent states by different syntax (e.g. the W expansion
    // of AtMost), and the planner and explanations are simpler over the minimal DFA. Classes are numbered in order of
    // first appearance, so the start state stays 0.
    private static (int[] Next, bool[] Accepting, string[] Text) Minimize(int[] next, bool[] accepting, string[] text, int k)
    {
        int n = accepting.Length;
        var cls = new int[n];
        for (int s = 0; s < n; s++) cls[s] = accepting[s] ? 1 : 0;
        int count;
        while (true)
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var refined = new int[n];
            var key = new System.Text.StringBuilder();
            for (int s = 0; s < n; s++)
            {
                key.Clear().Append(cls[s]);
                for (int a = 0; a < k; a++) key.Append(',').Append(cls[next[s * k + a]]);
                string signature = key.ToString();
                if (!ids.TryGetValue(signature, out int id)) ids.Add(signature, id = ids.Count);
                refined[s] = id;
            }
            bool stable = ids.Count == CountDistinct(cls);
            cls = refined;
            count = ids.Count;
            if (stable) break;
        }
        var minimalNext = new int[count * k];
        var minimalAccepting = new bool[count];
        var minimalText = new string[count];
        for (int s = n - 1; s >= 0; s--)
        {
            int c = cls[s];
            minimalAccepting[c] = accepting[s];
            minimalText[c] = text[s]; // the first state of the class wins (loop runs backwards)
            for (int a = 0; a < k; a++) minimalNext[c * k + a] = cls[next[s * k + a]];
        }
        return (minimalNext, minimalAccepting, minimalText);
    }

    private static int CountDistinct(int[] values) => new HashSet<int>(values).Count;

    private static void CollectAtoms(LtlFormula f, HashSet<StepLabel> atoms)
    {
        if (f.Kind is LtlKind.Atom or LtlKind.NotAtom) atoms.Add(f.Label);
        if (f.Left is not null) CollectAtoms(f.Left, atoms);
        if (f.Right is not null) CollectAtoms(f.Right, atoms);
    }

    /// <summary>The labels the formula's atoms name, e.g. for building an alphabet.</summary>
    public static IReadOnlyList<StepLabel> AtomsOf(LtlFormula formula)
    {
        var atoms = new HashSet<StepLabel>();
        CollectAtoms(formula, atoms);
        return [.. atoms];
    }

    private static string Describe(List<int[]> state, LtlProgression progression)
    {
        if (state.Count == 0) return "false";
        var clauses = new List<string>();
        foreach (var clause in state)
            clauses.Add(clause.Length == 0 ? "true" : string.Join(" && ", clause.Select(l => progression.LeafFormula(l).ToString())));
        return string.Join("  ||  ", clauses);
    }

    /// <summary>Index of <paramref name="label"/> in <see cref="Alphabet"/>, or of a symbol every atom treats alike; −1 if none.</summary>
    public int SymbolOf(StepLabel label)
    {
        int index = Array.IndexOf(_alphabet, label);
        if (index >= 0) return index;
        for (int s = 0; s < _alphabet.Length; s++)
        {
            bool same = true;
            foreach (var atom in _atoms)
                if (atom.Matches(label) != atom.Matches(_alphabet[s])) { same = false; break; }
            if (same) return s;
        }
        return -1;
    }

    public int Next(int state, int symbol) => _next[state * _alphabet.Length + symbol];

    /// <summary>The state after <paramref name="label"/>; throws if the label is not covered by the alphabet.</summary>
    public int Next(int state, StepLabel label)
    {
        int symbol = SymbolOf(label);
        if (symbol < 0) throw new ArgumentException($"label '{label}' is not in the automaton's alphabet ({string.Join(", ", _alphabet)})", nameof(label));
        return Next(state, symbol);
    }

    /// <summary>Whether a trace that ends in this state satisfies the formula.</summary>
    public bool IsAccepting(int state) => _accepting[state];

    /// <summary>Whether some continuation (possibly empty) from this state satisfies the formula.</summary>
    public bool IsLive(int state) => _distance[state] >= 0;

    /// <summary>Fewest further steps after which the trace can end satisfied; −1 when it never can.</summary>
    public int StepsToAccept(int state) => _distance[state];

    /// <summary>What the rest of the trace must satisfy in this state (its DNF of obligations), for explanations.</summary>
    public string Obligation(int state) => _stateText[state];

    /// <summary>The labels after which an accepting completion is still reachable (so a generator cannot paint itself into a corner).</summary>
    public IReadOnlyList<StepLabel> Allowed(int state)
    {
        var allowed = new List<StepLabel>();
        for (int s = 0; s < _alphabet.Length; s++)
            if (IsLive(Next(state, s))) allowed.Add(_alphabet[s]);
        return allowed;
    }

    /// <summary>Runs a trace from <see cref="Start"/>; returns the final state.</summary>
    public int Run(IEnumerable<StepLabel> trace)
    {
        int state = Start;
        foreach (var label in trace) state = Next(state, label);
        return state;
    }

    public bool Accepts(IEnumerable<StepLabel> trace) => IsAccepting(Run(trace));

    // Backward breadth-first search from the accepting states over reversed transitions.
    private int[] Distances()
    {
        int n = StateCount, k = _alphabet.Length;
        var reverse = new List<int>[n];
        for (int s = 0; s < n; s++) reverse[s] = [];
        for (int s = 0; s < n; s++)
            for (int a = 0; a < k; a++) reverse[_next[s * k + a]].Add(s);
        var distance = new int[n];
        Array.Fill(distance, -1);
        var queue = new Queue<int>();
        for (int s = 0; s < n; s++)
            if (_accepting[s]) { distance[s] = 0; queue.Enqueue(s); }
        while (queue.Count > 0)
        {
            int s = queue.Dequeue();
            foreach (int p in reverse[s])
                if (distance[p] < 0) { distance[p] = distance[s] + 1; queue.Enqueue(p); }
        }
        return distance;
    }
}
