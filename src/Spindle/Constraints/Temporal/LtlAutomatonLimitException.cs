namespace Spindle.Constraints.Temporal;

/// <summary>A formula whose automaton would exceed a size limit (states, or clauses of one state).</summary>
public sealed class LtlAutomatonLimitException(string message) : SpindleException(message);
