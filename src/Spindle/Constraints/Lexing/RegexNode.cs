using System.Text;

namespace Spindle.Constraints.Lexing;

/// <summary>
/// A regular expression over Unicode code points (the lexeme language of a grammar). Nodes are immutable; <see cref="Key"/>
/// is a canonical text form used to deduplicate lexemes and to hash grammars.
/// </summary>
public abstract class RegexNode
{
    private string? _key;

    /// <summary>
    /// Bound on <see cref="StateCount"/> of one node, checked by the factories before a node is built: beyond it the
    /// lexer's NFA (<see cref="LexemeNfa.MaxStates"/> for all lexemes together) could never hold it anyway.
    /// </summary>
    public const long MaxStateCount = LexemeNfa.MaxStates;

    /// <summary>
    /// A lower bound on the NFA states <see cref="LexemeNfa"/> compiles this node to (exact but for character classes,
    /// which count one state per range where UTF-8 may need several), computed in O(1) from the children's. Repetition
    /// multiplies it, so <c>(a{1000}){1000}</c> is known to be too large before anything is expanded.
    /// </summary>
    public abstract long StateCount { get; }

    /// <summary>Whether the node matches the empty string.</summary>
    public abstract bool IsNullable { get; }

    public string Key => _key ??= BuildKey();

    protected abstract string BuildKey();

    public override string ToString() => Key;

    public static RegexNode Empty { get; } = new RegexEmpty();

    public static RegexNode Literal(string text)
    {
        if (text.Length > MaxStateCount) throw TooLarge($"a literal of {text.Length} chars");
        var items = new List<RegexNode>();
        foreach (Rune r in text.EnumerateRunes()) items.Add(new RegexCharSet(CodePointSet.Single(r.Value)));
        return Concat(items);
    }

    public static RegexNode Concat(IReadOnlyList<RegexNode> items)
    {
        long states = 0;
        foreach (var item in items) states += item.StateCount;
        if (states > MaxStateCount) throw TooLarge($"a sequence of {items.Count} parts");
        var flat = new List<RegexNode>(items.Count);
        foreach (var item in items)
        {
            if (item is RegexConcat c) flat.AddRange(c.Items);
            // A part of no states matches only "" (see Repeat): dropping it keeps a doubling of empty parts from
            // growing the list while the state count, which limits everything else, stays 0.
            else if (item.StateCount != 0) flat.Add(item);
        }
        return flat.Count switch { 0 => Empty, 1 => flat[0], _ => new RegexConcat([.. flat]) };
    }

    public static RegexNode Alternate(IReadOnlyList<RegexNode> items)
    {
        long states = items.Count - 1;
        foreach (var item in items) states += item.StateCount;
        if (states > MaxStateCount) throw TooLarge($"an alternation of {items.Count} choices");
        var flat = new List<RegexNode>(items.Count);
        foreach (var item in items)
        {
            if (item is RegexAlternation a) flat.AddRange(a.Items);
            else flat.Add(item);
        }
        return flat.Count == 1 ? flat[0] : new RegexAlternation([.. flat]);
    }

    public static RegexNode Repeat(RegexNode item, int min, int max)
    {
        if (min == 1 && max == 1) return item;
        // Matches "" only; keeps no unexpanded copy of the item around. An item of no states matches only "" too, and
        // repeating it would cost nothing by the state count yet loop min times when compiled (((){100000}){100000}).
        if (max == 0 || item.StateCount == 0) return Empty;
        if (RegexRepeat.Count(item.StateCount, min, max) > MaxStateCount)
            throw TooLarge($"a repetition {{{min},{(max < 0 ? "" : max)}}} of a part of {item.StateCount} states");
        return new RegexRepeat(item, min, max);
    }

    private static GrammarException TooLarge(string what) =>
        new($"{what} needs more than {MaxStateCount:N0} lexer automaton states (counts or sizes too large)");
}

public sealed class RegexEmpty : RegexNode
{
    public override bool IsNullable => true;
    public override long StateCount => 0;
    protected override string BuildKey() => "()";
}

/// <summary>One code point from a set (an empty set matches nothing).</summary>
public sealed class RegexCharSet(CodePointSet set) : RegexNode
{
    public CodePointSet Set { get; } = set;
    public override bool IsNullable => false;
    public override long StateCount { get; } = Math.Max(1, set.Ranges.Length);
    protected override string BuildKey() => Set.ToString();
}

public sealed class RegexConcat(RegexNode[] items) : RegexNode
{
    public RegexNode[] Items { get; } = items;
    public override long StateCount { get; } = Sum(items, 0);

    internal static long Sum(RegexNode[] items, long extra)
    {
        foreach (var item in items) extra += item.StateCount;
        return extra;
    }
    public override bool IsNullable => Array.TrueForAll(Items, i => i.IsNullable);
    protected override string BuildKey()
    {
        var sb = new StringBuilder("(");
        foreach (var i in Items) sb.Append(i.Key);
        return sb.Append(')').ToString();
    }
}

public sealed class RegexAlternation(RegexNode[] items) : RegexNode
{
    public RegexNode[] Items { get; } = items;
    public override long StateCount { get; } = RegexConcat.Sum(items, items.Length - 1); // one split per extra choice
    public override bool IsNullable => Array.Exists(Items, i => i.IsNullable);
    protected override string BuildKey() => "(" + string.Join("|", Array.ConvertAll(Items, i => i.Key)) + ")";
}

/// <summary>Between <see cref="Min"/> and <see cref="Max"/> copies (<see cref="Max"/> = -1: unbounded).</summary>
public sealed class RegexRepeat(RegexNode item, int min, int max) : RegexNode
{
    public RegexNode Item { get; } = item;
    public int Min { get; } = min;
    public int Max { get; } = max;
    public override bool IsNullable => Min == 0 || Item.IsNullable;
    public override long StateCount { get; } = Count(item.StateCount, min, max);
    protected override string BuildKey() => $"{Item.Key}{{{Min},{Max}}}";

    // As LexemeNfa compiles it: min copies, then (max - min) optional copies with a split each, or a loop split and one
    // more copy when unbounded. Saturates instead of overflowing.
    internal static long Count(long item, int min, int max)
    {
        long copies = max < 0 ? min + 1L : max;
        long splits = max < 0 ? 1 : max - min;
        return item > (long.MaxValue / 4) / Math.Max(1, copies) ? long.MaxValue / 4 : item * copies + splits;
    }
}
