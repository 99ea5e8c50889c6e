namespace Spindle.Constraints.Grammars;

/// <summary>
/// The rest of a JSON-like object whose declared members may come in any order, each at most once: after the opening
/// brace, a sequence of <see cref="Members"/> (each used at most once) and <see cref="Extra"/> members (any number),
/// separated by <see cref="Separator"/> and ended by <see cref="Close"/>, allowed only once every required member
/// has appeared. The set of members seen so far is parser state; spelling it out as rules takes 2^n of them, so
/// <see cref="Parsing.CompiledGrammar"/> materializes one rule per (set, started) only when the parser first predicts
/// it. <see cref="EntryRule"/> is the rule (with no alternatives of its own) that stands for the empty set.
/// <see cref="MinCount"/>/<see cref="MaxCount"/> (-1: unbounded) bound the number of members, extras included
/// (JSON Schema minProperties/maxProperties); the count is part of the state, capped at the larger bound.
/// </summary>
public sealed record AnyOrderMembers(
    int EntryRule,
    IReadOnlyList<GrammarSymbol> Members,
    IReadOnlyList<bool> Required,
    GrammarSymbol? Extra,
    GrammarSymbol Separator,
    GrammarSymbol Close,
    int MinCount = 0,
    int MaxCount = -1)
{
    public override string ToString() =>
        $"R{EntryRule} = anyorder[{string.Join(' ', Members.Select((m, i) => Required[i] ? m + "!" : m.ToString()))}]" +
        $" extra {(Extra?.ToString() ?? "-")} sep {Separator} close {Close}";
}
