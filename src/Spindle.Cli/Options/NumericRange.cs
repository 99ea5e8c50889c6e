using System.Globalization;

namespace Spindle.Cli.Options;

/// <summary>
/// The values a numeric option accepts: an interval (closed, open at the bottom, or open at both ends), integers only or any finite
/// number, plus a few values outside it that llama.cpp gives a meaning (<c>--seed -1</c> = random, <c>-n -1</c> =
/// unlimited). <see cref="Text"/> is what the help shows and what an error quotes, so the documentation and the check
/// are one thing. Bounds are decimals so that 2^64 − 1 (a seed) is exact.
/// </summary>
internal sealed record NumericRange(decimal Minimum, decimal Maximum, bool Integer, bool MinimumExclusive = false, decimal[]? Specials = null,
    bool MaximumExclusive = false)
{
    public static NumericRange Integers(decimal minimum, decimal maximum, params decimal[] specials) =>
        new(minimum, maximum, Integer: true, Specials: specials.Length == 0 ? null : specials);

    public static NumericRange Reals(decimal minimum, decimal maximum, params decimal[] specials) =>
        new(minimum, maximum, Integer: false, Specials: specials.Length == 0 ? null : specials);

    /// <summary>(minimum, maximum]: e.g. a penalty that divides by its value.</summary>
    public static NumericRange RealsAbove(decimal minimum, decimal maximum) => new(minimum, maximum, Integer: false, MinimumExclusive: true);

    /// <summary>(minimum, maximum): e.g. a probability where both ends are degenerate (KGW's green-list fraction γ).</summary>
    public static NumericRange RealsBetween(decimal minimum, decimal maximum) =>
        new(minimum, maximum, Integer: false, MinimumExclusive: true, MaximumExclusive: true);

    /// <summary>"[0, 1]", "(0, 100]", "(0, 1)", "-1 or [0, 16777216]": the help's wording.</summary>
    public string Text
    {
        get
        {
            if (Specials is null) return Interval;
            return string.Join(" or ", Array.ConvertAll(Specials, Format)) + " or " + Interval;
        }
    }

    private string Interval => $"{(MinimumExclusive ? '(' : '[')}{Format(Minimum)}, {Format(Maximum)}{(MaximumExclusive ? ')' : ']')}";

    /// <summary>"in [0, 1]", "-1 or in [0, 16777216]": the errors' wording (the option "must be ...").</summary>
    public string Requirement
    {
        get
        {
            string interval = "in " + Interval;
            return Specials is null ? interval : string.Join(" or ", Array.ConvertAll(Specials, Format)) + " or " + interval;
        }
    }

    public bool Contains(decimal value)
    {
        if (Specials is not null && Array.IndexOf(Specials, value) >= 0) return true;
        return (MinimumExclusive ? value > Minimum : value >= Minimum) && (MaximumExclusive ? value < Maximum : value <= Maximum);
    }

    /// <summary>
    /// Parses one command-line value: an integer in plain decimal notation for integer options; for the others any
    /// finite number in invariant notation (1.5, 1e-3); NaN, infinities, values out of range, an empty value and words
    /// are refused with a message that starts with the option's name. <paramref name="real"/> is the value as a double
    /// (exact for a real option; a decimal loses the smallest magnitudes).
    /// </summary>
    public bool TryParse(string optionName, string text, out decimal value, out double real, out string error)
    {
        string shown = "'" + text + "'";
        value = 0;
        real = 0;
        if (Integer)
        {
            const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
            if (!decimal.TryParse(text, style, CultureInfo.InvariantCulture, out value))
            {
                // Digits only but too long for a decimal: a number, just far out of range.
                error = IsDigits(text.Trim())
                    ? $"{optionName} must be {Requirement}, not {shown}"
                    : $"{optionName} takes an integer ({Text}), not {shown}";
                return false;
            }
            real = (double)value;
        }
        else
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out real))
            {
                error = $"{optionName} takes a number ({Text}), not {shown}";
                return false;
            }
            if (!double.IsFinite(real) || Math.Abs(real) > 1e27)
            {
                error = $"{optionName} must be {Requirement}, not {shown}";
                return false;
            }
            value = (decimal)real;
        }
        if (!Contains(value))
        {
            error = $"{optionName} must be {Requirement}, not {shown}";
            return false;
        }
        error = "";
        return true;
    }

    private static bool IsDigits(string text)
    {
        int start = text.Length > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
        if (start == text.Length) return false;
        for (int i = start; i < text.Length; i++)
            if (!char.IsAsciiDigit(text[i])) return false;
        return true;
    }

    private static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
