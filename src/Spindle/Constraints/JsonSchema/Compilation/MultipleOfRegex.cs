using System.Numerics;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Canonical integer texts that are multiples of an integer step, within optional bounds. Exact in three shapes: a
/// bounded range with few multiples (listed), a power-of-ten step (the quotient's range followed by zeros), and an
/// unbounded range whose step divides 10^j for j ≤ 4 (the last j digits decide); anything else names multipleOf.
/// </summary>
internal static class MultipleOfRegex
{
    private const int MaxSuffixDigits = 4;

    /// <summary>Null when no multiple lies in the range.</summary>
    public static RegexNode? Create(BigInteger step, BigInteger? low, BigInteger? high, int maxListed)
    {
        if (step <= 0) throw new JsonSchemaCompileException("multipleOf", "must be greater than 0");
        if (step.IsOne) return IntegerRangeRegex.Create(low, high);
        if (low is { } lo && high is { } hi)
        {
            if (lo > hi) return null;
            var first = CeilingDivide(lo, step);
            var last = FloorDivide(hi, step);
            if (first > last) return null;
            if (last - first < maxListed)
            {
                var literals = new List<RegexNode>();
                for (var q = first; q <= last; q++) literals.Add(RegexNode.Literal((q * step).ToString()));
                return RegexNode.Alternate(literals);
            }
        }
        if (PowerOfTen(step) is int zeros)
        {
            BigInteger? qLow = low is { } l ? CeilingDivide(l, step) : null;
            BigInteger? qHigh = high is { } h ? FloorDivide(h, step) : null;
            var trailing = RegexNode.Literal(new string('0', zeros));
            var parts = new List<RegexNode>();
            if (IntegerRangeRegex.Create(qLow, qHigh is { } qh && qh < -1 ? qh : -1) is { } negative && (qLow is null || qLow <= -1))
                parts.Add(RegexNode.Concat([negative, trailing]));
            if ((qLow is null || qLow <= 0) && (qHigh is null || qHigh >= 0)) parts.Add(RegexNode.Literal("0"));
            if ((qHigh is null || qHigh >= 1) && IntegerRangeRegex.Create(qLow is { } ql && ql > 1 ? ql : 1, qHigh) is { } positive)
                parts.Add(RegexNode.Concat([positive, trailing]));
            return parts.Count == 0 ? null : RegexNode.Alternate(parts);
        }
        if (DigitsDeciding(step) is int suffixDigits && (low is null || high is null))
        {
            // One bound: split at zero so each side is a magnitude range open above.
            if (low is { } l0 && l0.Sign < 0) return Either(Create(step, l0, -1, maxListed), Create(step, 0, null, maxListed));
            if (high is { } h0 && h0.Sign > 0) return Either(Create(step, null, -1, maxListed), Create(step, 0, h0, maxListed));
            if (low is { } l1) return Above(step, l1, suffixDigits, maxListed, negative: false);
            if (high is { } h1) return Above(step, -h1, suffixDigits, maxListed, negative: true);
        }
        if (low is null && high is null && DigitsDeciding(step) is int j)
        {
            // n is a multiple of step iff its last j digits are (step divides 10^j).
            var modulus = BigInteger.Pow(10, j);
            var small = new List<RegexNode>();
            var suffixes = new List<RegexNode>();
            for (BigInteger v = 0; v < modulus; v += step)
            {
                small.Add(RegexNode.Literal(v.ToString()));
                if (!v.IsZero) small.Add(RegexNode.Literal("-" + v));
                suffixes.Add(RegexNode.Literal(v.ToString().PadLeft(j, '0')));
            }
            var large = RegexNode.Concat([RegexNode.Repeat(RegexNode.Literal("-"), 0, 1), new RegexCharSet(CodePointSet.Range('1', '9')),
                RegexNode.Repeat(new RegexCharSet(CodePointSet.Range('0', '9')), 0, -1), RegexNode.Alternate(suffixes)]);
            return RegexNode.Alternate([RegexNode.Alternate(small), large]);
        }
        throw new JsonSchemaCompileException("multipleOf",
            $"multipleOf {step} is enforced only for powers of ten, bounded ranges with at most {maxListed} multiples, or unbounded divisors of 10^{MaxSuffixDigits}");
    }

    private static RegexNode? Either(RegexNode? a, RegexNode? b) =>
        a is null ? b : b is null ? a : RegexNode.Alternate([a, b]);

    /// <summary>
    /// Multiples of step (which divides 10^j) with magnitude ≥ <paramref name="from"/> ≥ 0: those shorter than d digits
    /// (d = max(j, digits of from) + 1) listed, longer ones by their last j digits.
    /// </summary>
    private static RegexNode? Above(BigInteger step, BigInteger from, int j, int maxListed, bool negative)
    {
        int d = Math.Max(j, from.IsZero ? 1 : from.ToString().Length);
        var limit = BigInteger.Pow(10, d);
        var first = CeilingDivide(from, step);
        if ((limit - first * step) / step > 4 * maxListed)
            throw new JsonSchemaCompileException("multipleOf", $"multipleOf {step} with a bound of {from} digits is not enforced");
        string sign = negative ? "-" : "";
        var parts = new List<RegexNode>();
        for (var v = first * step; v < limit; v += step)
            parts.Add(RegexNode.Literal(v.IsZero ? "0" : sign + v));
        var suffixes = new List<RegexNode>();
        var modulus = BigInteger.Pow(10, j);
        for (BigInteger v = 0; v < modulus; v += step) suffixes.Add(RegexNode.Literal(v.ToString().PadLeft(j, '0')));
        parts.Add(RegexNode.Concat([RegexNode.Literal(sign), new RegexCharSet(CodePointSet.Range('1', '9')),
            RegexNode.Repeat(new RegexCharSet(CodePointSet.Range('0', '9')), d - j, -1), RegexNode.Alternate(suffixes)]));
        return RegexNode.Alternate(parts);
    }

    private static int? PowerOfTen(BigInteger step)
    {
        int zeros = 0;
        while (step > 1 && (step % 10).IsZero) { step /= 10; zeros++; }
        return step.IsOne ? zeros : null;
    }

    /// <summary>The least j ≤ 4 with step | 10^j, if any.</summary>
    private static int? DigitsDeciding(BigInteger step)
    {
        for (int j = 1; j <= MaxSuffixDigits; j++)
            if ((BigInteger.Pow(10, j) % step).IsZero) return j;
        return null;
    }

    internal static BigInteger FloorDivide(BigInteger a, BigInteger b)
    {
        var q = BigInteger.DivRem(a, b, out var r);
        return r.Sign < 0 ? q - 1 : q;
    }

    internal static BigInteger CeilingDivide(BigInteger a, BigInteger b) => -FloorDivide(-a, b);
}
