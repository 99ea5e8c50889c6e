namespace Spindle.Constraints.Temporal;

/// <summary>
/// Negation normal form over the core operators (true, false, atoms and negated atoms, ∧, ∨, X, WX, F, G, U, R), with
/// →, ↔, W and the counting operators expanded. Progression then never meets a negation above an atom.
/// </summary>
internal static class LtlNormalForm
{
    public static LtlFormula Convert(LtlFormula f) => Convert(f, negated: false);

    private static LtlFormula Convert(LtlFormula f, bool negated)
    {
        switch (f.Kind)
        {
            case LtlKind.True: return negated ? LtlFormula.False : LtlFormula.True;
            case LtlKind.False: return negated ? LtlFormula.True : LtlFormula.False;
            case LtlKind.Atom: return negated ? LtlFormula.NotAtom(f.Label) : f;
            case LtlKind.NotAtom: return negated ? LtlFormula.Atom(f.Label) : f;
            case LtlKind.NonEmpty: return negated ? LtlFormula.Empty : f;
            case LtlKind.Empty: return negated ? LtlFormula.NonEmpty : f;
            case LtlKind.Not: return Convert(f.Left!, !negated);
            case LtlKind.And: return Make(negated ? LtlKind.Or : LtlKind.And, Convert(f.Left!, negated), Convert(f.Right!, negated));
            case LtlKind.Or: return Make(negated ? LtlKind.And : LtlKind.Or, Convert(f.Left!, negated), Convert(f.Right!, negated));
            case LtlKind.Implies:
                return negated
                    ? Make(LtlKind.And, Convert(f.Left!, false), Convert(f.Right!, true))
                    : Make(LtlKind.Or, Convert(f.Left!, true), Convert(f.Right!, false));
            case LtlKind.Equivalent:
                return Make(LtlKind.Or,
                    Make(LtlKind.And, Convert(f.Left!, false), Convert(f.Right!, negated)),
                    Make(LtlKind.And, Convert(f.Left!, true), Convert(f.Right!, !negated)));
            case LtlKind.Next: return LtlFormula.Unary(negated ? LtlKind.WeakNext : LtlKind.Next, Convert(f.Left!, negated));
            case LtlKind.WeakNext: return LtlFormula.Unary(negated ? LtlKind.Next : LtlKind.WeakNext, Convert(f.Left!, negated));
            case LtlKind.Eventually: return LtlFormula.Unary(negated ? LtlKind.Always : LtlKind.Eventually, Convert(f.Left!, negated));
            case LtlKind.Always: return LtlFormula.Unary(negated ? LtlKind.Eventually : LtlKind.Always, Convert(f.Left!, negated));
            case LtlKind.Until: return LtlFormula.Binary(negated ? LtlKind.Release : LtlKind.Until, Convert(f.Left!, negated), Convert(f.Right!, negated));
            case LtlKind.Release: return LtlFormula.Binary(negated ? LtlKind.Until : LtlKind.Release, Convert(f.Left!, negated), Convert(f.Right!, negated));
            case LtlKind.WeakUntil:
                // φ W ψ ≡ ψ R (φ ∨ ψ)
                return Convert(LtlFormula.Binary(LtlKind.Release, f.Right!, LtlFormula.Binary(LtlKind.Or, f.Left!, f.Right!)), negated);
            case LtlKind.AtMost: return Convert(ExpandAtMost(f.Count, f.Left!), negated);
            case LtlKind.AtLeast: return Convert(ExpandAtLeast(f.Count, f.Left!), negated);
            default: throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "unknown operator");
        }
    }

    // At most n = not at least n+1. The textbook ¬φ W (φ ∧ WX AtMost(n−1)) doubles its operand at every level once W
    // becomes R (ψ R (φ ∨ ψ)), which is 2^n nodes; this form grows linearly.
    private static LtlFormula ExpandAtMost(int n, LtlFormula phi) => LtlFormula.Unary(LtlKind.Not, ExpandAtLeast(n + 1, phi));

    // At least n: some step satisfies φ and a later one starts at least n−1 more (AtLeast 1 = F φ: no step needed after it).
    private static LtlFormula ExpandAtLeast(int n, LtlFormula phi)
    {
        if (n == 0) return LtlFormula.True;
        var result = LtlFormula.Unary(LtlKind.Eventually, phi);
        for (int k = 2; k <= n; k++)
            result = LtlFormula.Unary(LtlKind.Eventually, LtlFormula.Binary(LtlKind.And, phi, LtlFormula.Unary(LtlKind.Next, result)));
        return result;
    }

    private static LtlFormula Make(LtlKind kind, LtlFormula a, LtlFormula b)
    {
        var unit = kind == LtlKind.And ? LtlFormula.True : LtlFormula.False;
        var zero = kind == LtlKind.And ? LtlFormula.False : LtlFormula.True;
        if (a.Equals(zero) || b.Equals(zero)) return zero;
        if (a.Equals(unit)) return b;
        if (b.Equals(unit)) return a;
        return a.Equals(b) ? a : LtlFormula.Binary(kind, a, b);
    }
}
