using System.Globalization;
using System.Numerics;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Exact regexes for JSON numbers written without an exponent (-?I(.F)?) whose value lies between two decimal bounds.
/// Each sign is a range of magnitudes; a magnitude range splits into the integer parts strictly inside (any fraction)
/// and the two boundary integer parts, whose fraction digits are compared digit by digit against the bound's.
/// Size is linear in the digits of the bounds.
/// </summary>
internal static class DecimalRangeRegex
{
    private static readonly RegexNode Digit = new RegexCharSet(CodePointSet.Range('0', '9'));
    private static readonly RegexNode NonZero = new RegexCharSet(CodePointSet.Range('1', '9'));
    private static readonly RegexNode Zero = RegexNode.Literal("0");

    /// <summary>An exact non-exponent decimal: sign, integer part ≥ 0, fraction digits without trailing zeros.</summary>
    internal readonly record struct Decimal(bool Negative, BigInteger Integer, string Fraction)
    {
        public bool IsZero => Integer.IsZero && Fraction.Length == 0;
        public Decimal Magnitude => this with { Negative = false };
        public Decimal Negate() => IsZero ? this : this with { Negative = !Negative };

        /// <summary>
        /// The exact value of a JSON number text; null when its exponent is beyond <paramref name="maxExponent"/> or it
        /// has more digits than that (a bound of a million digits would cost a quadratic big-integer parse and a regex no
        /// lexer can hold; the caller drops such a bound, an over-approximation).
        /// </summary>
        public static Decimal? Parse(string text, int maxExponent = 400)
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
            int pointAt = (dot < 0 ? body.Length : dot) + exponent; // digits before the decimal point
            if (Math.Abs(exponent) > maxExponent || digits.Length == 0 || digits.Length > maxExponent) return null;
            if (pointAt > digits.Length) digits += new string('0', pointAt - digits.Length);
            if (pointAt < 0) { digits = new string('0', -pointAt) + digits; pointAt = 0; }
            var integer = pointAt == 0 ? BigInteger.Zero : BigInteger.Parse(digits[..pointAt], CultureInfo.InvariantCulture);
            string fraction = digits[pointAt..].TrimEnd('0');
            var d = new Decimal(negative, integer, fraction);
            return d.IsZero ? d with { Negative = false } : d;
        }

        public static int Compare(Decimal a, Decimal b)
        {
            if (a.Negative != b.Negative) return a.Negative ? -1 : 1;
            int magnitude = a.Integer != b.Integer ? a.Integer.CompareTo(b.Integer) : string.CompareOrdinal(a.Fraction, b.Fraction);
            return a.Negative ? -magnitude : magnitude;
        }
    }

    /// <summary>
    /// Numbers -?I(.F)? in the range (null: unbounded side); null when the range is empty. <paramref name="maxRun"/>
    /// bounds each free digit run (null: unbounded); <paramref name="fractionDigits"/> (multipleOf 10^-k) makes every
    /// fraction digit after the first k a zero.
    /// </summary>
    public static RegexNode? Create(Decimal? low, bool lowExclusive, Decimal? high, bool highExclusive, int? maxRun = null, int? fractionDigits = null)
    {
        var shape = new Shape(maxRun, fractionDigits);
        if (low is { } l && high is { } h)
        {
            int c = Decimal.Compare(l, h);
            if (c > 0 || (c == 0 && (lowExclusive || highExclusive))) return null;
        }
        var zero = new Decimal(false, BigInteger.Zero, "");
        var parts = new List<RegexNode>();
        // Texts without '-': magnitudes in [max(low, 0), high].
        if (high is not { Negative: true })
        {
            bool lowIsNonNegative = low is { Negative: false };
            if (Magnitudes(lowIsNonNegative ? low!.Value : zero, lowIsNonNegative && lowExclusive, high, highExclusive, shape) is { } m)
                parts.Add(m);
        }
        // Texts with '-' (value -m, "-0" included): magnitudes in [max(-high, 0), -low].
        if (low is not { } lo || lo.Negative || lo.IsZero)
        {
            bool highIsNegative = high is { Negative: true };
            if (Magnitudes(highIsNegative ? high!.Value.Magnitude : zero, highIsNegative && highExclusive,
                    low?.Magnitude, low is not null && lowExclusive, shape) is { } m)
                parts.Add(RegexNode.Concat([RegexNode.Literal("-"), m]));
        }
        return parts.Count == 0 ? null : RegexNode.Alternate(parts);
    }

    private static RegexNode? Magnitudes(Decimal low, bool lowExclusive, Decimal? high, bool highExclusive, Shape shape)
    {
        if (high is { } h)
        {
            int c = Decimal.Compare(low, h);
            if (c > 0 || (c == 0 && (lowExclusive || highExclusive))) return null;
        }
        var parts = new List<RegexNode>();
        void Add(BigInteger integer, RegexNode? fraction)
        {
            if (fraction is { } f && IntegerRangeRegex.Create(integer, integer) is { } i) parts.Add(RegexNode.Concat([i, f]));
        }
        if (high is { } hb && hb.Integer == low.Integer)
        {
            Add(low.Integer, Fraction(low.Fraction, lowExclusive, hb.Fraction, highExclusive, shape));
        }
        else
        {
            Add(low.Integer, Fraction(low.Fraction, lowExclusive, null, false, shape));
            BigInteger? innerHigh = high is { } hi ? hi.Integer - 1 : null;
            if (IntegerRangeRegex.Create(low.Integer + 1, innerHigh) is { } inner)
                parts.Add(RegexNode.Concat([inner, Optional(RegexNode.Concat([RegexNode.Literal("."), Free(0, 1, shape)]))]));
            if (high is { } hh) Add(hh.Integer, Fraction(null, false, hh.Fraction, highExclusive, shape));
        }
        return parts.Count == 0 ? null : RegexNode.Alternate(parts);
    }

    /// <summary>"" or ".F" (F non-empty digits) with low ≤ 0.F ≤ high (either null: no bound); null when none.</summary>
    private static RegexNode? Fraction(string? low, bool lowExclusive, string? high, bool highExclusive, Shape shape)
    {
        var (end, more) = Rest(0, low, lowExclusive, high, highExclusive, shape);
        var parts = new List<RegexNode>(2);
        if (end) parts.Add(RegexNode.Empty);
        if (more is { } m) parts.Add(RegexNode.Concat([RegexNode.Literal("."), m]));
        return parts.Count == 0 ? null : RegexNode.Alternate(parts);
    }

    /// <summary>
    /// Fraction digits from position <paramref name="i"/> while equal so far to the bounds that are not null: whether
    /// stopping here is allowed, and the regex of the non-empty continuations.
    /// </summary>
    private static (bool End, RegexNode? More) Rest(int i, string? low, bool lowExclusive, string? high, bool highExclusive, Shape shape)
    {
        // Stopping: the rest is 0. Equal to the low bound only when it has no digits left; below it otherwise.
        bool end = (low is null || (i >= low.Length && !lowExclusive)) && (high is null || i < high.Length || !highExclusive);
        if (low is null && high is null) return (true, Free(i, 1, shape));
        bool lowDone = low is null || i >= low.Length, highDone = high is null || i >= high.Length;
        if (lowDone && highDone)
        {
            // Past the bounds' digits: equal to a remaining bound means all zeros from here.
            if (high is null) return (end, lowExclusive ? SomeNonZero(i, shape) : Free(i, 1, shape));
            bool zerosOk = !highExclusive && (low is null || !lowExclusive);
            return (end, zerosOk ? RegexNode.Repeat(Zero, 1, shape.MaxRun ?? -1) : null);
        }
        int from = low is null ? 0 : (i < low.Length ? low[i] - '0' : 0);
        int to = high is null ? 9 : (i < high.Length ? high[i] - '0' : 0);
        if (i >= shape.FractionDigits) to = Math.Min(to, 0); // beyond the significant fraction digits: zeros only
        if (from > to) return (end, null);
        var parts = new List<RegexNode>();
        // Digits strictly inside the bounds at this position: any continuation.
        int freeFrom = low is null ? from : from + 1, freeTo = high is null ? to : to - 1;
        if (freeFrom <= freeTo)
            parts.Add(RegexNode.Concat([new RegexCharSet(CodePointSet.Range((char)('0' + freeFrom), (char)('0' + freeTo))), Free(i + 1, 0, shape)]));
        for (int c = from; c <= to; c += Math.Max(1, to - from))
        {
            bool tightLow = low is not null && c == from, tightHigh = high is not null && c == to;
            if (!tightLow && !tightHigh) continue;
            var (e, m) = Rest(i + 1, tightLow ? low : null, lowExclusive, tightHigh ? high : null, highExclusive, shape);
            var alternatives = new List<RegexNode>(2);
            if (e) alternatives.Add(RegexNode.Empty);
            if (m is { } mm) alternatives.Add(mm);
            if (alternatives.Count > 0) parts.Add(RegexNode.Concat([RegexNode.Literal(((char)('0' + c)).ToString()), RegexNode.Alternate(alternatives)]));
        }
        return (end, parts.Count == 0 ? null : RegexNode.Alternate(parts));
    }

    /// <summary>Limits on fraction digits: each free run (generation) and the significant positions (multipleOf).</summary>
    private readonly record struct Shape(int? MaxRun, int? FractionDigits);

    /// <summary>At least <paramref name="min"/> free fraction digits from position <paramref name="i"/>.</summary>
    private static RegexNode Free(int i, int min, Shape shape)
    {
        if (shape.FractionDigits is not int cap) return RegexNode.Repeat(Digit, min, shape.MaxRun is int m ? Math.Max(m, min) : -1);
        int significant = Math.Max(0, cap - i);
        var zeros = RegexNode.Repeat(Zero, 0, shape.MaxRun ?? -1);
        if (min == 0) return RegexNode.Concat([RegexNode.Repeat(Digit, 0, significant), zeros]);
        var nonEmptyZeros = RegexNode.Repeat(Zero, 1, Math.Max(1, shape.MaxRun ?? -1));
        return significant == 0 ? nonEmptyZeros
            : RegexNode.Alternate([RegexNode.Concat([RegexNode.Repeat(Digit, 1, significant), zeros]), nonEmptyZeros]);
    }

    /// <summary>Free fraction digits from position <paramref name="i"/> with some digit not zero; null when none can be.</summary>
    private static RegexNode? SomeNonZero(int i, Shape shape)
    {
        if (shape.FractionDigits is not int cap)
            return RegexNode.Concat([RegexNode.Repeat(Zero, 0, shape.MaxRun ?? -1), NonZero, Free(i + 1, 0, shape)]);
        var parts = new List<RegexNode>();
        for (int p = i; p < cap; p++)
            parts.Add(RegexNode.Concat([RegexNode.Repeat(Zero, p - i, p - i), NonZero, Free(p + 1, 0, shape)]));
        return parts.Count == 0 ? null : RegexNode.Alternate(parts);
    }

    private static RegexNode Optional(RegexNode node) => RegexNode.Repeat(node, 0, 1);
}
