namespace Spindle.Constraints.Parsing;

/// <summary>
/// One immutable snapshot of a <see cref="CompiledGrammar"/>'s flattened productions. Materializing a lazy rule
/// publishes a larger snapshot that extends this one (same ids and positions, more of them), so a parser may keep
/// using an older snapshot for everything it already holds and switches to the newest one only when it meets a rule
/// its snapshot has not materialized.
/// </summary>
internal sealed class ProductionTables(int[] symbols, int[] positionRule, int[] ruleStart, int[] ruleEnd, int[] productionStarts, bool[] nullable)
{
    /// <summary>Per position: rule id, ~lexeme id, or <see cref="CompiledGrammar.EndMarker"/>.</summary>
    public readonly int[] Symbols = symbols;

    /// <summary>Per position: the rule (lhs) its production belongs to.</summary>
    public readonly int[] PositionRule = positionRule;

    /// <summary>Rule r's productions are ProductionStarts[RuleStart[r] .. RuleEnd[r]); RuleStart -1: not materialized yet.</summary>
    public readonly int[] RuleStart = ruleStart;

    public readonly int[] RuleEnd = ruleEnd;
    public readonly int[] ProductionStarts = productionStarts;
    public readonly bool[] Nullable = nullable;

    public int RuleCount => RuleStart.Length;
    public int PositionCount => Symbols.Length;
}
