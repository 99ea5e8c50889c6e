using System.Globalization;
using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of template values: what <c>{{ x }}</c> prints and what a list or dict
/// prints its items as (<c>['a', 1, True, None]</c>). Templates rely on these exact spellings, e.g.
/// <c>example|string|replace("'", '"')</c> to turn a repr into JSON-ish text. Inside a render the budget's limits
/// apply: nested values count towards the nesting depth, and the text is checked against the string limit as it grows;
/// the overloads without a budget use the default limits.
/// </summary>
public static class PyFormat
{
    /// <summary>Characters written between two checks of the string limit inside one long string.</summary>
    private const int CheckEvery = 4096;

    public static string Str(JinjaValue value) => Str(value, RenderBudget.Detached());

    internal static string Str(JinjaValue value, RenderBudget budget) => value switch
    {
        JinjaString s => s.Value,
        JinjaUndefined => "",
        JinjaInt i => i.Value.ToString(CultureInfo.InvariantCulture),
        _ => Repr(value, budget),
    };

    public static string Repr(JinjaValue value) => Repr(value, RenderBudget.Detached());

    internal static string Repr(JinjaValue value, RenderBudget budget)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, budget);
        return sb.ToString();
    }

    public static void AppendRepr(StringBuilder sb, JinjaValue value) => AppendRepr(sb, value, RenderBudget.Detached());

    internal static void AppendRepr(StringBuilder sb, JinjaValue value, RenderBudget budget)
    {
        budget.Enter();
        switch (value)
        {
            case JinjaString { IsMarkup: true } m:
                sb.Append("Markup(");
                AppendStringRepr(sb, m.Value, budget);
                sb.Append(')');
                break;
            case JinjaString s: AppendStringRepr(sb, s.Value, budget); break;
            case JinjaInt i: sb.Append(i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case JinjaFloat f: sb.Append(FloatRepr(f.Value)); break;
            case JinjaBool b: sb.Append(b.Value ? "True" : "False"); break;
            case JinjaNone: sb.Append("None"); break;
            case JinjaUndefined: sb.Append("Undefined"); break;
            case JinjaList { IsGenerator: true }:
                sb.Append("<generator object>");
                break;
            case JinjaList l:
                budget.Work(l.Count);
                sb.Append(l.IsTuple ? '(' : '[');
                for (int k = 0; k < l.Items.Count; k++)
                {
                    if (k > 0) sb.Append(", ");
                    AppendRepr(sb, l.Items[k], budget);
                }
                if (l.IsTuple && l.Items.Count == 1) sb.Append(',');
                sb.Append(l.IsTuple ? ')' : ']');
                break;
            case JinjaDict d:
                budget.Work(d.Count);
                if (d.IsNamespace) sb.Append("<Namespace ");
                sb.Append('{');
                bool first = true;
                foreach (var (k, v) in d.Items)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendRepr(sb, k, budget);
                    sb.Append(": ");
                    AppendRepr(sb, v, budget);
                }
                sb.Append('}');
                if (d.IsNamespace) sb.Append('>');
                break;
            case JinjaCallable c: sb.Append("<function ").Append(c.Name).Append('>'); break;
            case JinjaLoop loop: sb.Append(loop.Repr); break;
        }
        budget.Exit();
        budget.Grow(sb.Length, 0, "printing a value");
    }

    /// <summary>Python's string repr: single quotes unless the text has a ' and no ", escapes for the unprintable.</summary>
    public static void AppendStringRepr(StringBuilder sb, string s) => AppendStringRepr(sb, s, RenderBudget.Detached());

    internal static void AppendStringRepr(StringBuilder sb, string s, RenderBudget budget)
    {
        // The repr is at least the text and its quotes; escapes can make it longer, so it is re-checked as it grows.
        budget.Grow(sb.Length + 2L + s.Length, s.Length, "printing a string");
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        int sinceCheck = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (++sinceCheck == CheckEvery)
            {
                budget.Grow(sb.Length + 1L, 0, "printing a string");
                sinceCheck = 0;
            }
            int c = rune.Value;
            if (c == quote || c == '\\') sb.Append('\\').Append((char)c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c < 0x7f) sb.Append((char)c);
            else if (IsPrintable(rune)) sb.Append(rune.ToString());
            else if (c <= 0xff) sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c <= 0xffff) sb.Append("\\u").Append(c.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(c.ToString("x8", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    // str.isprintable: everything except categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than the ASCII space.
    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };

    /// <summary>
    /// Python's float repr: the shortest round-trip digits, positional when the decimal exponent is in [-4, 16),
    /// otherwise scientific with a signed two-digit-minimum exponent ("1e+16", "1.5e-05"); integral values keep ".0".
    /// </summary>
    public static string FloatRepr(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        // "E16" is not shortest; "R" is, but its notation switch point differs from Python's, so re-lay the digits.
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exp; // value = 0.d1d2d3... * 10^(exp+1), i.e. exp is the exponent of the first digit
        int e = r.IndexOfAny(['E', 'e']);
        string mant = e >= 0 ? r[..e] : r;
        int extraExp = e >= 0 ? int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        int dot = mant.IndexOf('.');
        string intPart = dot >= 0 ? mant[..dot] : mant;
        string fracPart = dot >= 0 ? mant[(dot + 1)..] : "";
        string all = intPart + fracPart;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        exp = intPart.Length - 1 - lead + extraExp;

        var sb = new StringBuilder();
        if (v < 0) sb.Append('-');
        if (exp >= 16 || exp < -4)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (exp < 0)
        {
            sb.Append("0.").Append('0', -exp - 1).Append(digits);
        }
        else if (digits.Length <= exp + 1)
        {
            sb.Append(digits).Append('0', exp + 1 - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, exp + 1).Append('.').Append(digits, exp + 1, digits.Length - exp - 1);
        }
        return sb.ToString();
    }
}
