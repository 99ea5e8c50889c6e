using System.Text;

namespace Spindle.Constraints.Lexing;

/// <summary>
/// A regular expression over Unicode code points (the lexeme language of a grammar). Nodes are immutable; <see cref="Key"/>
/// is a canonical text form used to deduplicate lexemes and to hash grammars.
/// </summary>
public abstract class RegexNode
{
    private string? _key;

    /// <summary>Whether the node matches the empty string.</summary>
    public abstract bool IsNullable { get; }

    public string Key => _key ??= BuildKey();

    protected abstract string BuildKey();

    public override string ToString() => Key;

    public static RegexNode Empty { get; } = new RegexEmpty();

    public static RegexNode Literal(string text)
    {
        var items = new List<RegexNode>();
        foreach (Rune r in text.EnumerateRunes()) items.Add(new RegexCharSet(CodePointSet.Single(r.Value)));
        return Concat(items);
    }

    public static RegexNode Concat(IReadOnlyList<RegexNode> items)
    {
        var flat = new List<RegexNode>(items.Count);
        foreach (var item in items)
        {
            if (item is RegexConcat c) flat.AddRange(c.Items);
            else if (item is not RegexEmpty) flat.Add(item);
        }
        return flat.Count switch { 0 => Empty, 1 => flat[0], _ => new RegexConcat([.. flat]) };
    }

    public static RegexNode Alternate(IReadOnlyList<RegexNode> items)
    {
        var flat = new List<RegexNode>(items.Count);
        foreach (var item in items)
        {
            if (item is RegexAlternation a) flat.AddRange(a.Items);
            else flat.Add(item);
        }
        return flat.Count == 1 ? flat[0] : new RegexAlternation([.. flat]);
    }

    public static RegexNode Repeat(RegexNode item, int min, int max) =>
        min == 1 && max == 1 ? item : new RegexRepeat(item, min, max);
}

public sealed class RegexEmpty : RegexNode
{
    public override bool IsNullable => true;
    protected override string BuildKey() => "()";
}

/// <summary>One code point from a set (an empty set matches nothing).</summary>
public sealed class RegexCharSet(CodePointSet set) : RegexNode
{
    public CodePointSet Set { get; } = set;
    public override bool IsNullable => false;
    protected override string BuildKey() => Set.ToString();
}

public sealed class RegexConcat(RegexNode[] items) : RegexNode
{
    public RegexNode[] Items { get; } = items;
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
    protected override string BuildKey() => $"{Item.Key}{{{Min},{Max}}}";
}
