using Spindle.Constraints.Temporal;

namespace Spindle.Tests.Constraints.Temporal;

/// <summary>
/// The DFA built by progression accepts exactly the traces the direct recursive LTLf semantics accepts: exhaustively,
/// every trace up to length 6 over a 3- or 4-letter alphabet, for hand-picked formulas and 400 seeded random ones.
/// </summary>
public sealed class LtlAutomatonAgreementTests
{
    private static readonly StepLabel A = new("a"), B = new("b"), C = new("c");
    private static readonly StepLabel[] Letters = [A, B, C];

    private static IEnumerable<StepLabel[]> AllTraces(StepLabel[] alphabet, int maxLength)
    {
        var current = new List<StepLabel[]> { Array.Empty<StepLabel>() };
        for (int length = 0; length <= maxLength; length++)
        {
            foreach (var t in current) yield return t;
            var next = new List<StepLabel[]>();
            foreach (var t in current)
                foreach (var l in alphabet) next.Add([.. t, l]);
            current = next;
        }
    }

    private static void AssertAgrees(LtlFormula formula, StepLabel[] alphabet, int maxLength = 6)
    {
        var automaton = LtlAutomaton.Build(formula, alphabet);
        foreach (var trace in AllTraces(alphabet, maxLength))
        {
            bool expected = LtlEvaluator.Holds(formula, trace);
            int state = automaton.Run(trace);
            Assert.True(expected == automaton.IsAccepting(state), $"'{formula}' on [{string.Join(" ", trace)}]: semantics {expected}, DFA {!expected}");
            // Liveness must agree with "some extension satisfies it" (checked up to the bound for short prefixes).
            if (trace.Length <= 2 && automaton.StepsToAccept(state) is int d && d >= 0 && d + trace.Length <= maxLength)
                Assert.True(AllTraces(alphabet, d).Any(ext => ext.Length == d && LtlEvaluator.Holds(formula, [.. trace, .. ext])),
                    $"'{formula}': state after [{string.Join(" ", trace)}] claims acceptance in {d} steps");
            if (trace.Length <= 2 && !automaton.IsLive(state))
                Assert.False(AllTraces(alphabet, 3).Any(ext => LtlEvaluator.Holds(formula, [.. trace, .. ext])),
                    $"'{formula}': state after [{string.Join(" ", trace)}] is dead but an extension satisfies it");
        }
    }

    public static TheoryData<string> Formulas => new()
    {
        "a", "!a", "X a", "WX a", "N a", "X true", "WX false", "last", "F a", "G a", "a U b", "a R b", "a W b",
        "G(a -> X b)", "G(a -> X b) && F c", "G(c -> last)", "F c && G(c -> last)", "AtMost(2, a)", "AtLeast(2, a)",
        "Exactly(1, c)", "AtMost(0, b) || F(a && X X c)", "!(a U (b R !c))", "(a <-> X b) W c", "G F a", "F G a",
        "!F !a", "X(a U b) -> G(c -> WX a)", "AtMost(3, a) && G(a -> X b) && F c && G(c -> last)",
        "G(a -> WX !a)", "a U (b U c)", "(a R b) U c", "!X !a", "AtMost(1, a || b) && !G !c",
    };

    [Theory]
    [MemberData(nameof(Formulas))]
    public void HandPickedFormulasAgree(string text) => AssertAgrees(LtlParser.Parse(text), Letters);

    [Fact]
    public void ParameterisedLabelsAgree()
    {
        StepLabel[] alphabet = [new("Action", "calc"), new("Action", "echo"), new("Observation"), new("Answer")];
        foreach (string text in new[] { "G(Action -> X Observation) && F Answer", "F Action(echo) -> !F Action(calc)", "AtMost(2, Action) && G(Answer -> last)" })
            AssertAgrees(LtlParser.Parse(text), alphabet, maxLength: 5);
    }

    [Fact]
    public void RandomFormulasAgree()
    {
        var random = new Random(20260522);
        for (int i = 0; i < 400; i++)
            AssertAgrees(RandomFormula(random, depth: 4), Letters, maxLength: 5);
    }

    private static readonly LtlKind[] BinaryKinds =
        [LtlKind.And, LtlKind.Or, LtlKind.Implies, LtlKind.Equivalent, LtlKind.Until, LtlKind.Release, LtlKind.WeakUntil];

    private static LtlFormula RandomFormula(Random r, int depth)
    {
        if (depth == 0 || r.Next(5) == 0)
            return r.Next(8) switch { 0 => LtlFormula.True, 1 => LtlFormula.False, _ => LtlFormula.Atom(Letters[r.Next(Letters.Length)]) };
        int pick = r.Next(14);
        var sub = RandomFormula(r, depth - 1);
        return pick switch
        {
            0 => LtlFormula.Unary(LtlKind.Not, sub),
            1 => LtlFormula.Unary(LtlKind.Next, sub),
            2 => LtlFormula.Unary(LtlKind.WeakNext, sub),
            3 => LtlFormula.Unary(LtlKind.Eventually, sub),
            4 => LtlFormula.Unary(LtlKind.Always, sub),
            5 => LtlFormula.Counting(r.Next(2) == 0 ? LtlKind.AtMost : LtlKind.AtLeast, r.Next(3), sub),
            _ => LtlFormula.Binary(BinaryKinds[Math.Min(pick - 6, BinaryKinds.Length - 1)], sub, RandomFormula(r, depth - 1)),
        };
    }

    [Fact]
    public void AllowedKeepsAnAcceptingCompletionReachable()
    {
        StepLabel action = new("Action", "calc"), observation = new("Observation"), answer = new("Answer"), thought = new("Thought");
        var spec = LtlParser.Parse("G(Action -> X Observation) && F Answer && G(Answer -> last) && AtMost(1, Action)");
        var dfa = LtlAutomaton.Build(spec, [thought, action, observation, answer]);
        Assert.False(dfa.IsAccepting(dfa.Start));
        Assert.Equal(1, dfa.StepsToAccept(dfa.Start));
        int afterAction = dfa.Next(dfa.Start, action);
        Assert.Equal([observation], dfa.Allowed(afterAction));
        int afterObservation = dfa.Next(afterAction, observation);
        Assert.DoesNotContain(action, dfa.Allowed(afterObservation));
        int done = dfa.Next(afterObservation, answer);
        Assert.True(dfa.IsAccepting(done));
        Assert.Empty(dfa.Allowed(done));
    }

    [Theory]
    [InlineData("G(Action -> X Observation) && F Answer", 5)]
    [InlineData("AtMost(3, Action)", 5)]
    [InlineData("G(Answer -> last)", 3)]
    public void ExampleSpecsHaveTheMinimalNumberOfStates(string text, int minimal)
    {
        StepLabel[] alphabet = [new("Thought"), new("Action", "calc"), new("Observation"), new("Answer")];
        var dfa = LtlAutomaton.Build(LtlParser.Parse(text), alphabet);
        Assert.Equal(minimal, dfa.StateCount);
    }

    [Fact]
    public void LargeCountsStayLinearAndBlowUpsAreBoundedErrors()
    {
        StepLabel[] alphabet = [new("Thought"), new("Action", "calc"), new("Observation"), new("Answer")];
        Assert.Equal(34, LtlAutomaton.Build(LtlParser.Parse("AtMost(32, Thought)"), alphabet).StateCount);
        Assert.Throws<LtlAutomatonLimitException>(() =>
            LtlAutomaton.Build(LtlParser.Parse("AtMost(32, Thought) && AtMost(32, Action) && AtMost(32, Answer)"), alphabet, maxStates: 2000));
    }
}
