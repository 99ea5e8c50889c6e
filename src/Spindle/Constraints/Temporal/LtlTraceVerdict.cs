namespace Spindle.Constraints.Temporal;

/// <summary>
/// The result of checking a complete trace against a specification. When it fails, <see cref="FailedConjunct"/> is the
/// top-level conjunct of the spec that fails (the whole formula when only the conjunction fails) and
/// <see cref="FailedStep"/> the 1-based step after which no continuation could satisfy it, or null when the trace could
/// have gone on to satisfy it but ended too early (e.g. <c>F Answer</c> with no Answer).
/// </summary>
public sealed record LtlTraceVerdict(bool Satisfied, LtlFormula? FailedConjunct, int? FailedStep, StepLabel? FailedLabel, string Explanation)
{
    public override string ToString() => Explanation;
}
