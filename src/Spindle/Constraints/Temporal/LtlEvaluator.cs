namespace Spindle.Constraints.Temporal;

/// <summary>
/// The reference LTLf semantics, evaluated directly by recursion over a finite trace (exponential in nesting, for tests
/// and short traces). Position <c>i</c> may be past the end (<c>i ≥ n</c>): atoms and strong operators are false there,
/// negation is classical, weak operators (<c>WX</c>, <c>G</c>, <c>R</c>, <c>W</c>) are true.
/// </summary>
public static class LtlEvaluator
{
    public static bool Holds(LtlFormula formula, IReadOnlyList<StepLabel> trace) => Holds(formula, trace, 0);

    public static bool Holds(LtlFormula formula, IReadOnlyList<StepLabel> trace, int i)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(trace);
        int n = trace.Count;
        switch (formula.Kind)
        {
            case LtlKind.True: return true;
            case LtlKind.False: return false;
            case LtlKind.Atom: return i < n && formula.Label.Matches(trace[i]);
            case LtlKind.NotAtom: return !(i < n && formula.Label.Matches(trace[i]));
            case LtlKind.NonEmpty: return i < n;
            case LtlKind.Empty: return i >= n;
            case LtlKind.Not: return !Holds(formula.Left!, trace, i);
            case LtlKind.And: return Holds(formula.Left!, trace, i) && Holds(formula.Right!, trace, i);
            case LtlKind.Or: return Holds(formula.Left!, trace, i) || Holds(formula.Right!, trace, i);
            case LtlKind.Implies: return !Holds(formula.Left!, trace, i) || Holds(formula.Right!, trace, i);
            case LtlKind.Equivalent: return Holds(formula.Left!, trace, i) == Holds(formula.Right!, trace, i);
            case LtlKind.Next: return i + 1 < n && Holds(formula.Left!, trace, i + 1);
            case LtlKind.WeakNext: return i + 1 >= n || Holds(formula.Left!, trace, i + 1);
            case LtlKind.Eventually:
                for (int j = i; j < n; j++) if (Holds(formula.Left!, trace, j)) return true;
                return false;
            case LtlKind.Always:
                for (int j = i; j < n; j++) if (!Holds(formula.Left!, trace, j)) return false;
                return true;
            case LtlKind.Until:
                for (int j = i; j < n; j++)
                {
                    if (Holds(formula.Right!, trace, j)) return true;
                    if (!Holds(formula.Left!, trace, j)) return false;
                }
                return false;
            case LtlKind.WeakUntil:
                for (int j = i; j < n; j++)
                {
                    if (Holds(formula.Right!, trace, j)) return true;
                    if (!Holds(formula.Left!, trace, j)) return false;
                }
                return true;
            case LtlKind.Release:
                // ψ holds at every step up to and including the first where φ holds; or at every step to the end.
                for (int j = i; j < n; j++)
                {
                    if (!Holds(formula.Right!, trace, j)) return false;
                    if (Holds(formula.Left!, trace, j)) return true;
                }
                return true;
            case LtlKind.AtMost or LtlKind.AtLeast:
                int count = 0;
                for (int j = i; j < n; j++) if (Holds(formula.Left!, trace, j)) count++;
                return formula.Kind == LtlKind.AtMost ? count <= formula.Count : count >= formula.Count;
            default:
                throw new ArgumentOutOfRangeException(nameof(formula), formula.Kind, "unknown operator");
        }
    }
}
