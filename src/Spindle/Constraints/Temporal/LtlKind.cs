namespace Spindle.Constraints.Temporal;

/// <summary>The operators of an LTLf formula. <see cref="NonEmpty"/>/<see cref="Empty"/> exist only after normalisation.</summary>
public enum LtlKind
{
    True,
    False,
    /// <summary>The step's label matches <see cref="LtlFormula.Label"/>.</summary>
    Atom,
    Not,
    And,
    Or,
    Implies,
    Equivalent,
    /// <summary>Strong next: there is a next step and it satisfies the operand.</summary>
    Next,
    /// <summary>Weak next: there is no next step, or it satisfies the operand.</summary>
    WeakNext,
    Eventually,
    Always,
    Until,
    /// <summary>Release: the right operand holds up to and including the first step where the left one holds (or to the end).</summary>
    Release,
    /// <summary>Weak until: like <see cref="Until"/>, but the right operand need never hold if the left holds to the end.</summary>
    WeakUntil,
    /// <summary>The operand holds at no more than <see cref="LtlFormula.Count"/> steps.</summary>
    AtMost,
    /// <summary>The operand holds at <see cref="LtlFormula.Count"/> or more steps.</summary>
    AtLeast,
    /// <summary>Internal: the current position is a step (not past the end).</summary>
    NonEmpty,
    /// <summary>Internal: the current position is past the end of the trace.</summary>
    Empty,
    /// <summary>Internal (negation normal form): the step's label does not match <see cref="LtlFormula.Label"/>, or there is no step.</summary>
    NotAtom,
}
