namespace Spindle.Constraints.Temporal;

/// <summary>
/// A parsed LTLf specification over step labels and its top-level conjuncts (kept apart so a violation names the part
/// of the spec that failed). Immutable.
/// </summary>
public sealed class LtlSpecification
{
    // Stands for every label the spec does not mention, so liveness is judged over all possible traces.
    private static readonly StepLabel Other = new("__other");

    private LtlSpecification(string text, LtlFormula formula)
    {
        Text = text;
        Formula = formula;
        var conjuncts = new List<LtlFormula>();
        Split(formula, conjuncts);
        Conjuncts = conjuncts;
    }

    public string Text { get; }

    public LtlFormula Formula { get; }

    public IReadOnlyList<LtlFormula> Conjuncts { get; }

    /// <summary>Parses the spec; throws <see cref="LtlSyntaxException"/> with the position of a syntax error.</summary>
    public static LtlSpecification Parse(string text) => new(text, LtlParser.Parse(text));

    private static void Split(LtlFormula f, List<LtlFormula> into)
    {
        if (f.Kind == LtlKind.And)
        {
            Split(f.Left!, into);
            Split(f.Right!, into);
        }
        else into.Add(f);
    }

    /// <summary>The automaton over <paramref name="alphabet"/> (plus nothing else: labels outside it are mapped by <see cref="LtlAutomaton.SymbolOf"/>).</summary>
    public LtlAutomaton BuildAutomaton(IEnumerable<StepLabel> alphabet, int maxStates = LtlAutomaton.DefaultMaxStates) =>
        LtlAutomaton.Build(Formula, alphabet, maxStates);

    /// <summary>Checks a complete trace and explains a violation.</summary>
    public LtlTraceVerdict Check(IReadOnlyList<StepLabel> trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        StepLabel[] alphabet = Alphabet(trace);
        var whole = LtlAutomaton.Build(Formula, alphabet);
        if (whole.Accepts(trace)) return new LtlTraceVerdict(true, null, null, null, $"the trace ({trace.Count} steps) satisfies {Formula}");

        // Name the conjunct that fails where the whole spec does (the first that dies at that step, or one left
        // unfulfilled at the end); when only their combination fails, the whole formula.
        var wholeVerdict = Explain(whole, Formula, trace, out int wholeAt)
            ?? throw new InvalidOperationException("the automaton rejected the trace but no step explains it");
        if (wholeAt == 0 || Conjuncts.Count == 1) return wholeVerdict;
        foreach (var conjunct in Conjuncts)
        {
            var verdict = Explain(LtlAutomaton.Build(conjunct, alphabet), conjunct, trace, out int failedAt);
            if (verdict is not null && failedAt == wholeAt) return verdict;
        }
        return wholeVerdict;
    }

    // The atoms, the catch-all label, and one trace label per way the atoms see it: a trace with thousands of distinct
    // tool names still gives a small alphabet (the automaton maps the rest by the same signature).
    private StepLabel[] Alphabet(IReadOnlyList<StepLabel> trace)
    {
        var atoms = LtlAutomaton.AtomsOf(Formula);
        var alphabet = new List<StepLabel>(atoms) { Other };
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in alphabet) signatures.Add(Signature(atoms, label));
        foreach (var label in trace)
            if (signatures.Add(Signature(atoms, label))) alphabet.Add(label);
        return [.. alphabet];
    }

    private static string Signature(IReadOnlyList<StepLabel> atoms, StepLabel label)
    {
        var bits = new char[atoms.Count];
        for (int i = 0; i < atoms.Count; i++) bits[i] = atoms[i].Matches(label) ? '1' : '0';
        return new string(bits);
    }

    private static LtlTraceVerdict? Explain(LtlAutomaton automaton, LtlFormula formula, IReadOnlyList<StepLabel> trace, out int failedAt)
    {
        failedAt = -1;
        int state = automaton.Start;
        if (!automaton.IsLive(state))
        {
            failedAt = 0;
            return new LtlTraceVerdict(false, formula, 0, null, $"'{formula}' cannot be satisfied by any trace");
        }
        for (int i = 0; i < trace.Count; i++)
        {
            int before = state;
            state = automaton.Next(state, trace[i]);
            if (!automaton.IsLive(state))
            {
                failedAt = i + 1;
                return new LtlTraceVerdict(false, formula, i + 1, trace[i],
                    $"step {i + 1} ({trace[i]}) violates '{formula}': no continuation can satisfy it; before this step the rest of the trace had to satisfy: {automaton.Obligation(before)}");
            }
        }
        if (automaton.IsAccepting(state)) return null;
        return new LtlTraceVerdict(false, formula, null, null,
            $"the trace ends after {trace.Count} steps but '{formula}' is not fulfilled; still required: {automaton.Obligation(state)}");
    }
}
