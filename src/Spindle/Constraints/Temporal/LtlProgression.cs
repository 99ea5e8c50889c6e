namespace Spindle.Constraints.Temporal;

/// <summary>
/// Formula progression on DNF states: a state is a set of clauses, a clause a sorted set of leaf ids, where a leaf is an
/// NNF formula that is neither ∧, ∨ nor a constant. Progressing by a label replaces each leaf by what the rest of the
/// trace must satisfy. Clauses are kept canonical (sorted, deduplicated, subsumed ones dropped), so the states are
/// finitely many sets over the formula's closure: this is the derivative construction of the DFA.
/// </summary>
internal sealed class LtlProgression
{
    private readonly List<LtlFormula> _leaves = [];
    private readonly Dictionary<LtlFormula, int> _leafIds = [];
    private readonly int _maxClauses;
    private readonly int _nonEmpty;
    private readonly int _empty;

    public LtlProgression(int maxClauses)
    {
        _maxClauses = maxClauses;
        _nonEmpty = Leaf(LtlFormula.NonEmpty);
        _empty = Leaf(LtlFormula.Empty);
    }

    public static readonly List<int[]> TrueDnf = [[]];

    public LtlFormula LeafFormula(int id) => _leaves[id];

    private int Leaf(LtlFormula f)
    {
        if (!_leafIds.TryGetValue(f, out int id))
        {
            id = _leaves.Count;
            _leaves.Add(f);
            _leafIds.Add(f, id);
        }
        return id;
    }

    /// <summary>The DNF of an NNF formula without progressing it.</summary>
    public List<int[]> ToDnf(LtlFormula f) => f.Kind switch
    {
        LtlKind.True => TrueDnf,
        LtlKind.False => [],
        LtlKind.And => And(ToDnf(f.Left!), ToDnf(f.Right!)),
        LtlKind.Or => Or(ToDnf(f.Left!), ToDnf(f.Right!)),
        _ => [[Leaf(f)]],
    };

    /// <summary>Whether the empty rest of a trace satisfies the leaf (what "the trace ends here" means for it).</summary>
    public bool EndValue(int leaf) => _leaves[leaf].Kind is LtlKind.NotAtom or LtlKind.Empty or LtlKind.WeakNext or LtlKind.Always or LtlKind.Release;

    public bool IsAccepting(List<int[]> state)
    {
        foreach (var clause in state)
        {
            bool all = true;
            foreach (int leaf in clause) all &= EndValue(leaf);
            if (all) return true;
        }
        return false;
    }

    public List<int[]> Progress(List<int[]> state, StepLabel label)
    {
        var result = new List<int[]>();
        foreach (var clause in state)
        {
            var conjunction = TrueDnf;
            foreach (int leaf in clause)
            {
                conjunction = And(conjunction, Progress(_leaves[leaf], label));
                if (conjunction.Count == 0) break;
            }
            result = Or(result, conjunction);
        }
        return result;
    }

    private List<int[]> Progress(LtlFormula f, StepLabel label)
    {
        switch (f.Kind)
        {
            case LtlKind.True: return TrueDnf;
            case LtlKind.False: return [];
            case LtlKind.Atom: return f.Label.Matches(label) ? TrueDnf : [];
            case LtlKind.NotAtom: return f.Label.Matches(label) ? [] : TrueDnf;
            case LtlKind.NonEmpty: return TrueDnf;
            case LtlKind.Empty: return [];
            case LtlKind.And: return And(Progress(f.Left!, label), Progress(f.Right!, label));
            case LtlKind.Or: return Or(Progress(f.Left!, label), Progress(f.Right!, label));
            case LtlKind.Next: return And([[_nonEmpty]], ToDnf(f.Left!));
            case LtlKind.WeakNext: return Or([[_empty]], ToDnf(f.Left!));
            case LtlKind.Eventually: return Or(Progress(f.Left!, label), [[Leaf(f)]]);
            case LtlKind.Always: return And(Progress(f.Left!, label), [[Leaf(f)]]);
            case LtlKind.Until: return Or(Progress(f.Right!, label), And(Progress(f.Left!, label), [[Leaf(f)]]));
            case LtlKind.Release: return And(Progress(f.Right!, label), Or(Progress(f.Left!, label), [[Leaf(f)]]));
            default: throw new InvalidOperationException($"{f.Kind} is not in negation normal form");
        }
    }

    private List<int[]> And(List<int[]> a, List<int[]> b)
    {
        if (a.Count == 0 || b.Count == 0) return [];
        if (ReferenceEquals(a, TrueDnf)) return b;
        if (ReferenceEquals(b, TrueDnf)) return a;
        if ((long)a.Count * b.Count > _maxClauses)
            throw new LtlAutomatonLimitException($"a state of the automaton needs more than {_maxClauses} clauses; simplify the formula");
        var result = new List<int[]>(a.Count * b.Count);
        foreach (var x in a)
            foreach (var y in b)
                if (Merge(x, y) is { } clause) result.Add(clause);
        return Canonical(result);
    }

    private List<int[]> Or(List<int[]> a, List<int[]> b)
    {
        if (a.Count == 0) return b;
        if (b.Count == 0) return a;
        return Canonical([.. a, .. b]);
    }

    // Sorted union of two clauses; null when the clause can never hold (needs the trace both to end and to go on).
    private int[]? Merge(int[] x, int[] y)
    {
        var set = new SortedSet<int>(x);
        set.UnionWith(y);
        if (set.Contains(_empty))
        {
            if (set.Contains(_nonEmpty)) return null;
            foreach (int leaf in set) if (!EndValue(leaf)) return null;
        }
        else if (set.Contains(_nonEmpty) && set.Count > 1)
        {
            // Another leaf false at the end already forces a further step.
            foreach (int leaf in set)
                if (leaf != _nonEmpty && !EndValue(leaf)) { set.Remove(_nonEmpty); break; }
        }
        return [.. set];
    }

    private List<int[]> Canonical(List<int[]> clauses)
    {
        clauses.Sort(CompareClauses);
        var kept = new List<int[]>(clauses.Count);
        foreach (var c in clauses)
        {
            bool subsumed = false;
            // Sorted by length first, so any subset of c is already kept.
            foreach (var k in kept)
                if (IsSubset(k, c)) { subsumed = true; break; }
            if (!subsumed) kept.Add(c);
        }
        if (kept.Count > _maxClauses)
            throw new LtlAutomatonLimitException($"a state of the automaton needs more than {_maxClauses} clauses; simplify the formula");
        return kept;
    }

    private static int CompareClauses(int[] a, int[] b)
    {
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return 0;
    }

    private static bool IsSubset(int[] small, int[] large)
    {
        int j = 0;
        foreach (int x in small)
        {
            while (j < large.Length && large[j] < x) j++;
            if (j == large.Length || large[j] != x) return false;
            j++;
        }
        return true;
    }

    public static string Key(List<int[]> state)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var clause in state)
        {
            foreach (int leaf in clause) sb.Append(leaf).Append(',');
            sb.Append('|');
        }
        return sb.ToString();
    }
}
