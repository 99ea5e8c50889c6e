using System.Text;

namespace Spindle.Constraints.Lexing;

/// <summary>An immutable set of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges.</summary>
public sealed class CodePointSet : IEquatable<CodePointSet>
{
    public const int MaxCodePoint = 0x10FFFF;

    private readonly (int Low, int High)[] _ranges;

    private CodePointSet((int, int)[] normalized) => _ranges = normalized;

    public static CodePointSet Empty { get; } = new([]);
    public static CodePointSet All { get; } = new([(0, MaxCodePoint)]);

    public ReadOnlySpan<(int Low, int High)> Ranges => _ranges;

    public bool IsEmpty => _ranges.Length == 0;

    public static CodePointSet Single(int codePoint) => Range(codePoint, codePoint);

    public static CodePointSet Range(int low, int high)
    {
        if (low < 0 || high > MaxCodePoint || low > high) throw new ArgumentOutOfRangeException(nameof(low), $"bad range {low:X}-{high:X}");
        return new([(low, high)]);
    }

    public static CodePointSet FromRanges(IEnumerable<(int Low, int High)> ranges)
    {
        var list = new List<(int Low, int High)>(ranges);
        list.Sort((a, b) => a.Low.CompareTo(b.Low));
        var merged = new List<(int, int)>(list.Count);
        foreach (var (lo, hi) in list)
        {
            if (merged.Count > 0 && lo <= merged[^1].Item2 + 1)
                merged[^1] = (merged[^1].Item1, Math.Max(merged[^1].Item2, hi));
            else merged.Add((lo, hi));
        }
        return new([.. merged]);
    }

    public CodePointSet Union(CodePointSet other) => FromRanges([.. _ranges, .. other._ranges]);

    public CodePointSet Negate()
    {
        var result = new List<(int, int)>(_ranges.Length + 1);
        int next = 0;
        foreach (var (lo, hi) in _ranges)
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return new([.. result]);
    }

    public bool Contains(int codePoint)
    {
        foreach (var (lo, hi) in _ranges)
            if (codePoint >= lo && codePoint <= hi) return true;
        return false;
    }

    public bool Equals(CodePointSet? other) => other != null && _ranges.AsSpan().SequenceEqual(other._ranges);
    public override bool Equals(object? obj) => Equals(obj as CodePointSet);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var r in _ranges) h.Add(r);
        return h.ToHashCode();
    }

    public override string ToString()
    {
        var sb = new StringBuilder("[");
        foreach (var (lo, hi) in _ranges)
        {
            sb.Append(lo.ToString("X"));
            if (hi != lo) sb.Append('-').Append(hi.ToString("X"));
            sb.Append(',');
        }
        return sb.Append(']').ToString();
    }
}
