using FsCheck;
using FsCheck.Fluent;
using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Constraints.Temporal;

/// <summary>FsCheck: random formulas and traces (up to 8 steps): DFA = recursive semantics; printing re-parses to the same formula.</summary>
public sealed class LtlFormulaProperties
{
    private static readonly StepLabel[] Letters = [new("a"), new("b"), new("Action", "x"), new("Action", "y")];
    private static readonly StepLabel[] AtomLabels = [new("a"), new("b"), new("Action"), new("Action", "x")];

    private static Gen<LtlFormula> Formula(int size) =>
        size <= 0
            ? Gen.OneOf(Gen.Elements(AtomLabels).Select(LtlFormula.Atom), Gen.Elements(LtlFormula.True, LtlFormula.False))
            : Gen.OneOf(
                Gen.Elements(AtomLabels).Select(LtlFormula.Atom),
                from k in Gen.Elements(LtlKind.Not, LtlKind.Next, LtlKind.WeakNext, LtlKind.Eventually, LtlKind.Always)
                from f in Formula(size - 1)
                select LtlFormula.Unary(k, f),
                from k in Gen.Elements(LtlKind.And, LtlKind.Or, LtlKind.Implies, LtlKind.Equivalent, LtlKind.Until, LtlKind.Release, LtlKind.WeakUntil)
                from l in Formula(size / 2)
                from r in Formula(size / 2)
                select LtlFormula.Binary(k, l, r),
                from k in Gen.Elements(LtlKind.AtMost, LtlKind.AtLeast)
                from n in Gen.Choose(0, 3)
                from f in Formula(size / 2)
                select LtlFormula.Counting(k, n, f));

    private static readonly Gen<StepLabel[]> Traces = Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(Letters), n));

    [Fact]
    public void AutomatonAgreesWithSemantics()
    {
        Prop.ForAll(Gen.Sized(s => Formula(Math.Min(s, 6))).ToArbitrary(), Gen.ListOf(Traces, 20).ToArbitrary(), (formula, traces) =>
        {
            var dfa = LtlAutomaton.Build(formula, Letters);
            foreach (var trace in traces)
                if (dfa.Accepts(trace) != LtlEvaluator.Holds(formula, trace)) return false;
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PrintedFormulaParsesBack()
    {
        Prop.ForAll(Gen.Sized(s => Formula(Math.Min(s, 8))).ToArbitrary(), formula => LtlParser.Parse(formula.ToString()).Equals(formula))
            .QuickCheckThrowOnFailure();
    }
}
