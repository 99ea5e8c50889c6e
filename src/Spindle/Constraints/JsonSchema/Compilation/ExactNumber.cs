using System.Numerics;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>Floor and ceiling of a JSON number text, computed exactly (no double rounding: 1e30 stays 10^30).</summary>
internal static class ExactNumber
{
    /// <summary>Largest decimal exponent handled; beyond it the bound is dropped by the caller (an over-approximation).</summary>
    private const int MaxExponent = 400;

    public static (BigInteger Floor, BigInteger Ceiling)? FloorCeiling(string text)
    {
        if (DecimalRangeRegex.Decimal.Parse(text, MaxExponent) is not { } d) return null;
        var integer = d.Negative ? -d.Integer : d.Integer;
        if (d.Fraction.Length == 0) return (integer, integer);
        return d.Negative ? (integer - 1, integer) : (integer, integer + 1);
    }
}
