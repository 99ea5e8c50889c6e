using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>
/// Runs ECMA-262 (with the "u" flag, as JSON Schema intends) patterns on .NET's regex engine. .NET's
/// <see cref="RegexOptions.ECMAScript"/> mode rejects \p{..}, lookbehind and more, so instead the pattern is
/// translated to an equivalent default-mode .NET pattern:
/// <list type="bullet">
/// <item>\d, \w (and negations) → ASCII classes: .NET's are Unicode-wide, ECMA's are ASCII.</item>
/// <item>\s, \S → ECMA's exact whitespace set (includes U+FEFF, excludes U+0085).</item>
/// <item>. → any code point but line terminators, a surrogate pair counting as one character.</item>
/// <item>$ → \z unless followed by nothing multiline-related: ECMA's $ does not match before a final \n.</item>
/// <item>\u{X..} → the code point (as a surrogate pair when astral); [^] → any; \cX kept (.NET knows it).</item>
/// <item>\p{Letter}-style long general-category names → short names (.NET only knows short ones).</item>
/// </list>
/// Not translated (documented limits): \p{Script=..}/\p{sc=..}, astral ranges inside classes, and case-insensitive
/// flags (JSON Schema patterns carry none).
/// </summary>
internal static class EcmaRegex
{
    private const string Whitespace = @"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
    private const string AnyButLineTerminator = @"(?:[\ud800-\udbff][\udc00-\udfff]|[^\n\r\u2028\u2029])";

    /// <summary>ECMA-262 escapes that are letters; any other escaped letter is an error under the "u" flag.</summary>
    private const string EcmaLetterEscapes = "dDwWsSbBnrtfvcxupPk";

    public static Regex Create(string pattern, TimeSpan timeout) =>
        new(Translate(pattern, strict: false), RegexOptions.CultureInvariant, timeout);

    /// <summary>Whether <paramref name="pattern"/> is a valid ECMA-262 regex (format "regex"): stricter than what
    /// <see cref="Create"/> tolerates, rejecting .NET/Python-only syntax such as (?#..), inline flags and \a.</summary>
    public static bool IsValid(string pattern)
    {
        try
        {
            _ = new Regex(Translate(pattern, strict: true), RegexOptions.CultureInvariant);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Unanchored search. A timed-out match (catastrophic backtracking) counts as no match.</summary>
    public static bool IsMatch(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Translates an ECMA-262 pattern to .NET syntax. Non-strict mode (for pattern keywords in real-world
    /// schemas) reads an unknown escape of a letter or '_' as that literal character, as browsers do without the u flag.</summary>
    public static string Translate(string p, bool strict = false)
    {
        var sb = new StringBuilder(p.Length + 16);
        bool inClass = false;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '\\' && i + 1 < p.Length)
            {
                char n = p[++i];
                switch (n)
                {
                    case 'd': sb.Append(inClass ? "0-9" : "[0-9]"); break;
                    case 'D': sb.Append(inClass ? @"\D" : "[^0-9]"); break;
                    case 'w': sb.Append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"); break;
                    case 'W': sb.Append(inClass ? @"\W" : "[^a-zA-Z0-9_]"); break;
                    case 's': sb.Append(inClass ? Whitespace : "[" + Whitespace + "]"); break;
                    case 'S': sb.Append(inClass ? @"\S" : "[^" + Whitespace + "]"); break;
                    case 'u' when i + 1 < p.Length && p[i + 1] == '{':
                    {
                        int close = p.IndexOf('}', i + 2);
                        if (close > 0 && int.TryParse(p.AsSpan(i + 2, close - i - 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp) && cp <= 0x10FFFF)
                        {
                            foreach (char ch in char.ConvertFromUtf32(cp)) sb.Append(@"\u").Append(((int)ch).ToString("X4", CultureInfo.InvariantCulture));
                            i = close;
                        }
                        else sb.Append(@"\u");
                        break;
                    }
                    case 'p' or 'P' when i + 1 < p.Length && p[i + 1] == '{':
                    {
                        int close = p.IndexOf('}', i + 2);
                        string name = close > 0 ? p[(i + 2)..close] : "";
                        sb.Append('\\').Append(n).Append('{').Append(ShortCategory(name)).Append('}');
                        i = close > 0 ? close : i;
                        break;
                    }
                    default:
                        if (char.IsAsciiLetter(n) && EcmaLetterEscapes.IndexOf(n) < 0)
                        {
                            if (strict) throw new ArgumentException($"\\{n} is not an ECMA-262 escape");
                            sb.Append(n);
                        }
                        else if (n == '_') sb.Append('_'); // .NET rejects escaped word characters
                        else sb.Append('\\').Append(n);
                        break;
                }
                continue;
            }
            if (inClass)
            {
                if (c == ']') inClass = false;
                else if (c == '[') { sb.Append(@"\["); continue; } // .NET would read '[' inside a class as subtraction syntax risk
                sb.Append(c);
                continue;
            }
            switch (c)
            {
                case '[':
                    if (p.AsSpan(i).StartsWith("[^]")) { sb.Append(@"[\s\S]"); i += 2; break; }
                    if (p.AsSpan(i).StartsWith("[]")) { sb.Append("(?!)"); i += 1; break; }
                    inClass = true;
                    sb.Append('[');
                    // A ']' right after '[' or '[^' is literal in .NET but closes an (empty) class in ECMA; the
                    // empty cases were handled above, so just copy the negation marker.
                    if (i + 1 < p.Length && p[i + 1] == '^') { sb.Append('^'); i++; }
                    break;
                case '.': sb.Append(AnyButLineTerminator); break;
                case '(' when strict && i + 2 < p.Length && p[i + 1] == '?' && p[i + 2] is not (':' or '=' or '!' or '<'):
                    throw new ArgumentException("(?" + p[i + 2] + " groups are not ECMA-262");
                case '(' when strict && i + 3 < p.Length && p[i + 1] == '?' && p[i + 2] == '<' && p[i + 3] is not ('=' or '!') && !char.IsLetter(p[i + 3]) && p[i + 3] != '_' && p[i + 3] != '$':
                    throw new ArgumentException("invalid group name");
                case >= '\ud800' and <= '\udbff' when i + 1 < p.Length && char.IsLowSurrogate(p[i + 1]):
                    // An astral character is one atom: a following quantifier must apply to the whole pair.
                    sb.Append("(?:").Append(c).Append(p[i + 1]).Append(')');
                    i++;
                    break;
                case '$': sb.Append(@"\z"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    private static string ShortCategory(string name) => name switch
    {
        "Letter" => "L", "Lowercase_Letter" => "Ll", "Uppercase_Letter" => "Lu", "Titlecase_Letter" => "Lt",
        "Modifier_Letter" => "Lm", "Other_Letter" => "Lo", "Mark" => "M", "Number" => "N", "Decimal_Number" or "digit" => "Nd",
        "Letter_Number" => "Nl", "Other_Number" => "No", "Punctuation" or "punct" => "P", "Symbol" => "S",
        "Separator" => "Z", "Space_Separator" => "Zs", "Other" => "C", "Control" or "cntrl" => "Cc",
        _ => name.StartsWith("gc=", StringComparison.Ordinal) || name.StartsWith("General_Category=", StringComparison.Ordinal)
            ? ShortCategory(name[(name.IndexOf('=') + 1)..]) : name,
    };
}
