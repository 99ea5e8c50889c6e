using System.Globalization;
using System.Numerics;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>Floor and ceiling of a JSON number text, computed exactly (no double rounding: 1e30 stays 10^30).</summary>
internal static class ExactNumber
{
    /// <summary>Largest decimal exponent handled; beyond it the bound is dropped by the caller (an over-approximation).</summary>
    private const int MaxExponent = 400;

    public static (BigInteger Floor, BigInteger Ceiling)? FloorCeiling(string text)
    {
        bool negative = text.StartsWith('-');
        string body = negative ? text[1..] : text;
        int e = body.IndexOfAny(['e', 'E']);
        int exponent = 0;
        if (e >= 0)
        {
            if (!int.TryParse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return null;
            body = body[..e];
        }
        int dot = body.IndexOf('.');
        string digits = dot < 0 ? body : body[..dot] + body[(dot + 1)..];
        if (dot >= 0) exponent -= body.Length - dot - 1;
        if (Math.Abs(exponent) > MaxExponent || digits.Length == 0) return null;
        var mantissa = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        if (negative) mantissa = -mantissa;
        if (exponent >= 0)
        {
            var exact = mantissa * BigInteger.Pow(10, exponent);
            return (exact, exact);
        }
        var divisor = BigInteger.Pow(10, -exponent);
        var quotient = BigInteger.DivRem(mantissa, divisor, out var remainder);
        if (remainder.IsZero) return (quotient, quotient);
        return mantissa < 0 ? (quotient - 1, quotient) : (quotient, quotient + 1);
    }
}
