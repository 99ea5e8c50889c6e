using System.Numerics;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Exact regexes for integer ranges over canonical decimal digit strings (no leading zeros, no "-0"), bounds optional.
/// Size is linear in the number of digits: each same-length sub-range splits into at most three branches per digit.
/// </summary>
public static class IntegerRangeRegex
{
    private static readonly RegexNode Digit = new RegexCharSet(CodePointSet.Range('0', '9'));
    private static readonly RegexNode NonZero = new RegexCharSet(CodePointSet.Range('1', '9'));

    /// <summary>Integers in [<paramref name="low"/>, <paramref name="high"/>] (null: unbounded); null when the range is empty.</summary>
    public static RegexNode? Create(BigInteger? low, BigInteger? high)
    {
        if (low is { } l && high is { } h && l > h) return null;
        var parts = new List<RegexNode>();
        // Non-negative part.
        if (high is not { } hi0 || hi0 >= 0)
            parts.Add(NonNegative(low is { } lo && lo > 0 ? lo : BigInteger.Zero, high));
        // Negative part: -x for x in [max(1, -high), -low].
        if (low is not { } lo1 || lo1 < 0)
        {
            BigInteger from = high is { } h1 && h1 < 0 ? -h1 : BigInteger.One;
            BigInteger? to = low is { } l1 ? -l1 : null;
            parts.Add(RegexNode.Concat([RegexNode.Literal("-"), NonNegative(from, to)]));
        }
        return RegexNode.Alternate(parts);
    }

    private static RegexNode NonNegative(BigInteger low, BigInteger? high)
    {
        string lo = low.ToString();
        var parts = new List<RegexNode>();
        int maxLength = high is { } h ? h.ToString().Length : lo.Length;
        for (int length = lo.Length; length <= maxLength; length++)
        {
            BigInteger lengthLow = length == 1 ? 0 : BigInteger.Pow(10, length - 1);
            BigInteger lengthHigh = BigInteger.Pow(10, length) - 1;
            BigInteger a = BigInteger.Max(low, lengthLow);
            BigInteger b = high is { } hh ? BigInteger.Min(hh, lengthHigh) : lengthHigh;
            if (a <= b) parts.Add(SameLength(a.ToString(), b.ToString()));
        }
        if (high is null) // every longer number
            parts.Add(RegexNode.Concat([NonZero, RegexNode.Repeat(Digit, lo.Length, -1)]));
        return RegexNode.Alternate(parts);
    }

    /// <summary>Digit strings of one length between <paramref name="lo"/> and <paramref name="hi"/> inclusive.</summary>
    private static RegexNode SameLength(string lo, string hi)
    {
        if (lo.Length == 0) return RegexNode.Empty;
        if (lo[0] == hi[0]) return RegexNode.Concat([RegexNode.Literal(lo[..1]), SameLength(lo[1..], hi[1..])]);
        string rest = lo[1..];
        if (rest.All(c => c == '0') && hi[1..].All(c => c == '9'))
            return RegexNode.Concat([Range(lo[0], hi[0]), Digits(rest.Length)]);
        var parts = new List<RegexNode>
        {
            RegexNode.Concat([RegexNode.Literal(lo[..1]), SameLength(rest, new string('9', rest.Length))]),
        };
        if (hi[0] - lo[0] > 1)
            parts.Add(RegexNode.Concat([Range((char)(lo[0] + 1), (char)(hi[0] - 1)), Digits(rest.Length)]));
        parts.Add(RegexNode.Concat([RegexNode.Literal(hi[..1]), SameLength(new string('0', rest.Length), hi[1..])]));
        return RegexNode.Alternate(parts);
    }

    private static RegexNode Digits(int count) => count == 0 ? RegexNode.Empty : RegexNode.Repeat(Digit, count, count);

    private static RegexNode Range(char a, char b) => new RegexCharSet(CodePointSet.Range(a, b));
}
