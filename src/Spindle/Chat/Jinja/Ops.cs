using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>Python semantics of the operators, subscripts, attribute lookup and iteration over template values.</summary>
internal static class Ops
{
    public static JinjaRuntimeException UndefinedError(JinjaUndefined u) => new(u.Description);

    public static JinjaRuntimeException TypeError(string message) => new(message);

    /// <summary>Raises if <paramref name="v"/> is undefined: the point where Jinja2's Undefined fails.</summary>
    public static JinjaValue Require(JinjaValue v) => v is JinjaUndefined u ? throw UndefinedError(u) : v;

    public static bool IsNumber(JinjaValue v) => v is JinjaInt or JinjaFloat or JinjaBool;

    public static double ToDouble(JinjaValue v) => v switch
    {
        JinjaInt i => i.Value,
        JinjaFloat f => f.Value,
        JinjaBool b => b.Value ? 1 : 0,
        _ => throw TypeError($"expected a number, got '{v.TypeName}'"),
    };

    private static bool IsIntegral(JinjaValue v) => v is JinjaInt or JinjaBool;

    public static long ToLong(JinjaValue v) => v switch
    {
        JinjaInt i => i.Value,
        JinjaBool b => b.Value ? 1 : 0,
        JinjaFloat f => (long)f.Value,
        _ => throw TypeError($"'{v.TypeName}' object cannot be interpreted as an integer"),
    };

    public static JinjaValue Binary(string op, JinjaValue l, JinjaValue r)
    {
        // str % Undefined: Python treats the Undefined (it has __getitem__) as a mapping argument.
        if (op == "%" && l is JinjaString fmtString && r is JinjaUndefined) return new JinjaString(PercentFormat(fmtString.Value, r));
        Require(l);
        Require(r);
        switch (op)
        {
            case "+":
                if (l is JinjaString ls && r is JinjaString rs)
                {
                    if (ls.IsMarkup == rs.IsMarkup) return new JinjaString(ls.Value + rs.Value, ls.IsMarkup);
                    // Markup + str (either order) escapes the plain side.
                    return new JinjaString((ls.IsMarkup ? ls.Value : HtmlEscape(ls.Value)) + (rs.IsMarkup ? rs.Value : HtmlEscape(rs.Value)), true);
                }
                if (l is JinjaList { IsGenerator: false } ll && r is JinjaList { IsGenerator: false } rl && ll.IsTuple == rl.IsTuple) return new JinjaList([.. ll.Items, .. rl.Items], ll.IsTuple);
                if (IsIntegral(l) && IsIntegral(r)) return new JinjaInt(ToLong(l) + ToLong(r));
                if (IsNumber(l) && IsNumber(r)) return new JinjaFloat(ToDouble(l) + ToDouble(r));
                break;
            case "-":
                if (IsIntegral(l) && IsIntegral(r)) return new JinjaInt(ToLong(l) - ToLong(r));
                if (IsNumber(l) && IsNumber(r)) return new JinjaFloat(ToDouble(l) - ToDouble(r));
                break;
            case "*":
                if (IsIntegral(l) && IsIntegral(r)) return new JinjaInt(ToLong(l) * ToLong(r));
                if (IsNumber(l) && IsNumber(r)) return new JinjaFloat(ToDouble(l) * ToDouble(r));
                if (l is JinjaString s1 && IsIntegral(r)) return new JinjaString(Repeat(s1.Value, ToLong(r)));
                if (r is JinjaString s2 && IsIntegral(l)) return new JinjaString(Repeat(s2.Value, ToLong(l)));
                var (list, count) = l is JinjaList ? (l as JinjaList, r) : (r as JinjaList, l);
                if (list is { IsGenerator: false } && IsIntegral(count))
                {
                    long times = ToLong(count);
                    var items = new List<JinjaValue>();
                    for (long k = 0; k < times; k++) items.AddRange(list.Items);
                    return new JinjaList(items, list.IsTuple);
                }
                break;
            case "/":
                if (IsNumber(l) && IsNumber(r))
                {
                    double d = ToDouble(r);
                    if (d == 0) throw TypeError("division by zero");
                    return new JinjaFloat(ToDouble(l) / d);
                }
                break;
            case "//":
                if (IsIntegral(l) && IsIntegral(r))
                {
                    long d = ToLong(r);
                    if (d == 0) throw TypeError("integer division or modulo by zero");
                    return new JinjaInt(FloorDiv(ToLong(l), d));
                }
                if (IsNumber(l) && IsNumber(r))
                {
                    double d = ToDouble(r);
                    if (d == 0) throw TypeError("float floor division by zero");
                    return new JinjaFloat(PyFloorDiv(ToDouble(l), d));
                }
                break;
            case "%":
                if (IsIntegral(l) && IsIntegral(r))
                {
                    long d = ToLong(r);
                    if (d == 0) throw TypeError("integer division or modulo by zero");
                    long a = ToLong(l);
                    return new JinjaInt(a - d * FloorDiv(a, d));
                }
                if (IsNumber(l) && IsNumber(r))
                {
                    double a = ToDouble(l), d = ToDouble(r);
                    if (d == 0) throw TypeError("float modulo");
                    return new JinjaFloat(PyFloatMod(a, d));
                }
                if (l is JinjaString fmt) return new JinjaString(PercentFormat(fmt.Value, r));
                break;
            case "**":
                if (IsIntegral(l) && IsIntegral(r) && ToLong(r) >= 0)
                {
                    long result = 1, b = ToLong(l);
                    for (long e = ToLong(r); e > 0; e--) result *= b;
                    return new JinjaInt(result);
                }
                if (IsNumber(l) && IsNumber(r))
                {
                    if (ToDouble(l) == 0 && ToDouble(r) < 0) throw TypeError("0.0 cannot be raised to a negative power");
                    return new JinjaFloat(Math.Pow(ToDouble(l), ToDouble(r)));
                }
                break;
        }
        throw TypeError($"unsupported operand type(s) for {op}: '{l.TypeName}' and '{r.TypeName}'");
    }

    /// <summary>markupsafe's escape: &amp; &lt; &gt; ' " become entities.</summary>
    public static string HtmlEscape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("'", "&#39;").Replace("\"", "&#34;");

    // CPython's float_rem: fmod, then moved to the divisor's sign.
    private static double PyFloatMod(double a, double d)
    {
        double mod = a % d;
        if (mod != 0) { if ((d < 0) != (mod < 0)) mod += d; }
        else mod = Math.CopySign(0, d);
        return mod;
    }

    // CPython's float_floor_div, which derives the quotient from fmod so that a == q*d + (a % d) holds exactly.
    private static double PyFloorDiv(double a, double d)
    {
        double mod = a % d;
        double div = (a - mod) / d;
        if (mod != 0 && (d < 0) != (mod < 0)) div -= 1.0;
        if (div == 0) return Math.CopySign(0, a / d);
        double floor = Math.Floor(div);
        if (div - floor > 0.5) floor += 1.0;
        return floor;
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    private static string Repeat(string s, long n)
    {
        if (n <= 0 || s.Length == 0) return "";
        var sb = new StringBuilder(s.Length * (int)n);
        for (long k = 0; k < n; k++) sb.Append(s);
        return sb.ToString();
    }

    /// <summary>
    /// printf-style <c>"%s" % x</c>: conversions s r d i f F e E g G x X o c with flags - 0 + space, width and precision.
    /// </summary>
    internal static string PercentFormat(string fmt, JinjaValue args)
    {
        var values = args is JinjaList { IsTuple: true } t ? t.Items : [args];
        var sb = new StringBuilder();
        int next = 0;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < fmt.Length; i++)
        {
            char c = fmt[i];
            if (c != '%' || i + 1 >= fmt.Length) { sb.Append(c); continue; }
            i++;
            bool left = false, zero = false, plus = false, space = false;
            for (; i < fmt.Length && fmt[i] is '-' or '0' or '+' or ' ' or '#'; i++)
            {
                if (fmt[i] == '-') left = true;
                else if (fmt[i] == '0') zero = true;
                else if (fmt[i] == '+') plus = true;
                else if (fmt[i] == ' ') space = true;
            }
            int width = 0;
            for (; i < fmt.Length && char.IsAsciiDigit(fmt[i]); i++) width = width * 10 + (fmt[i] - '0');
            int precision = -1;
            if (i < fmt.Length && fmt[i] == '.')
            {
                precision = 0;
                for (i++; i < fmt.Length && char.IsAsciiDigit(fmt[i]); i++) precision = precision * 10 + (fmt[i] - '0');
            }
            if (i >= fmt.Length) throw TypeError("incomplete format");
            char spec = fmt[i];
            if (spec == '%') { sb.Append('%'); continue; }
            if (next >= values.Count) throw TypeError("not enough arguments for format string");
            var v = values[next++];
            bool numeric = spec is not ('s' or 'r' or 'c');
            string body = spec switch
            {
                's' => precision >= 0 ? PyFormat.Str(v)[..Math.Min(precision, PyFormat.Str(v).Length)] : PyFormat.Str(v),
                'r' => PyFormat.Repr(v),
                'c' => v is JinjaString cs ? cs.Value : char.ConvertFromUtf32((int)ToLong(v)),
                'd' or 'i' or 'u' => Math.Abs(ToLong(v)).ToString(inv),
                'x' => Math.Abs(ToLong(v)).ToString("x", inv),
                'X' => Math.Abs(ToLong(v)).ToString("X", inv),
                'o' => Convert.ToString(Math.Abs(ToLong(v)), 8),
                'f' or 'F' => Math.Abs(ToDouble(v)).ToString("F" + (precision < 0 ? 6 : precision), inv),
                'e' or 'E' => PyExponent(Math.Abs(ToDouble(v)), precision < 0 ? 6 : precision, spec),
                'g' or 'G' => PyFormat.FloatRepr(Math.Abs(ToDouble(v))),
                _ => throw TypeError($"unsupported format character '{spec}'"),
            };
            string sign = "";
            if (numeric)
            {
                bool negative = spec is 'f' or 'F' or 'e' or 'E' or 'g' or 'G' ? ToDouble(v) < 0 : ToLong(v) < 0;
                sign = negative ? "-" : plus ? "+" : space ? " " : "";
            }
            int pad = width - sign.Length - body.Length;
            if (pad <= 0) sb.Append(sign).Append(body);
            else if (left) sb.Append(sign).Append(body).Append(' ', pad);
            else if (zero && numeric) sb.Append(sign).Append('0', pad).Append(body);
            else sb.Append(' ', pad).Append(sign).Append(body);
        }
        // Anything with __getitem__ (dict, list, Undefined) counts as a mapping and may go unused; surplus values may not.
        if (next < values.Count && args is not (JinjaDict or JinjaUndefined or JinjaList { IsTuple: false, IsGenerator: false })) throw TypeError("not all arguments converted during string formatting");
        return sb.ToString();
    }

    // Python's %e: mantissa with `precision` decimals, exponent signed and at least two digits.
    private static string PyExponent(double v, int precision, char spec)
    {
        string s = v.ToString((spec == 'E' ? "E" : "e") + precision, System.Globalization.CultureInfo.InvariantCulture);
        int e = s.IndexOfAny(['e', 'E']);
        int exp = int.Parse(s[(e + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return s[..(e + 1)] + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool Compare(string op, JinjaValue l, JinjaValue r)
    {
        switch (op)
        {
            case "==": return l.Equals(r);
            case "!=": return !l.Equals(r);
            case "in": return Contains(r, l);
            case "notin": return !Contains(r, l);
        }
        int c = Order(l, r);
        return op switch
        {
            "<" => c < 0,
            ">" => c > 0,
            "<=" => c <= 0,
            ">=" => c >= 0,
            _ => throw TypeError($"unknown comparison {op}"),
        };
    }

    /// <summary>Python ordering: numbers with numbers, strings by code point, sequences lexicographically.</summary>
    public static int Order(JinjaValue l, JinjaValue r)
    {
        Require(l);
        Require(r);
        if (IsNumber(l) && IsNumber(r)) return ToDouble(l).CompareTo(ToDouble(r));
        if (l is JinjaString ls && r is JinjaString rs) return string.CompareOrdinal(ls.Value, rs.Value);
        if (l is JinjaList ll && r is JinjaList rl)
        {
            for (int i = 0; i < Math.Min(ll.Count, rl.Count); i++)
            {
                if (ll.Items[i].Equals(rl.Items[i])) continue;
                return Order(ll.Items[i], rl.Items[i]);
            }
            return ll.Count.CompareTo(rl.Count);
        }
        throw TypeError($"'<' not supported between instances of '{l.TypeName}' and '{r.TypeName}'");
    }

    public static bool Contains(JinjaValue container, JinjaValue item)
    {
        switch (container)
        {
            case JinjaString s:
                if (item is not JinjaString sub) throw TypeError($"'in <string>' requires string as left operand, not {item.TypeName}");
                return s.Value.Contains(sub.Value, StringComparison.Ordinal);
            case JinjaList l:
                foreach (var x in Iterate(l))
                    if (x.Equals(item)) return true;
                return false;
            case JinjaDict d:
                if (item is JinjaList { IsTuple: false } or JinjaDict) throw TypeError($"unhashable type: '{item.TypeName}'");
                return d.Items.ContainsKey(item);
            case JinjaUndefined:
                return false; // Undefined iterates as empty, so `x in undefined` is False
            default:
                throw TypeError($"argument of type '{container.TypeName}' is not iterable");
        }
    }

    /// <summary>The items a for loop or filter sees: list items, dict keys, string characters; undefined is empty.</summary>
    public static List<JinjaValue> Iterate(JinjaValue v) => v switch
    {
        JinjaList { IsGenerator: true } g => Drain(g),
        JinjaList l => l.Items,
        JinjaDict d => [.. d.Items.Keys],
        JinjaString s => Characters(s.Value),
        JinjaUndefined => [],
        _ => throw TypeError($"'{v.TypeName}' object is not iterable"),
    };

    private static List<JinjaValue> Drain(JinjaList generator)
    {
        var items = new List<JinjaValue>(generator.Items);
        generator.Items.Clear();
        return items;
    }

    private static List<JinjaValue> Characters(string s)
    {
        var list = new List<JinjaValue>(s.Length);
        foreach (var rune in s.EnumerateRunes()) list.Add(new JinjaString(rune.ToString()));
        return list;
    }

    public static int Length(JinjaValue v) => v switch
    {
        JinjaList { IsGenerator: true } => throw TypeError("object of type 'generator' has no len()"),
        JinjaString s => CodePointCount(s.Value),
        JinjaList l => l.Count,
        JinjaDict d => d.Count,
        JinjaUndefined => 0,
        _ => throw TypeError($"object of type '{v.TypeName}' has no len()"),
    };

    internal static int CodePointCount(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    /// <summary><c>obj.name</c>: a method of the value's type first (Python getattr), then its item (Jinja's fallback).</summary>
    public static JinjaValue GetAttribute(JinjaValue target, string name)
    {
        if (target is JinjaUndefined u) throw UndefinedError(u);
        var method = Methods.Bind(target, name);
        if (method != null) return method;
        if (target is JinjaDict d && d.TryGet(name, out var value)) return value;
        return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute '{name}'");
    }

    /// <summary><c>obj[key]</c>: the item first, then (for a string key) an attribute, as Jinja2's getitem does.</summary>
    public static JinjaValue GetItem(JinjaValue target, JinjaValue key)
    {
        switch (target)
        {
            case JinjaUndefined u:
                throw UndefinedError(u);
            case JinjaDict d:
                if (d.Items.TryGetValue(key, out var v)) return v;
                break;
            case JinjaList { IsGenerator: true }:
                break;
            case JinjaList l when IsIntegral(key):
            {
                long i = ToLong(key);
                if (i < 0) i += l.Count;
                if (i >= 0 && i < l.Count) return l.Items[(int)i];
                return new JinjaUndefined($"{l.TypeName} object has no element {ToLong(key)}");
            }
            case JinjaString s when IsIntegral(key):
            {
                var chars = Characters(s.Value);
                long i = ToLong(key);
                if (i < 0) i += chars.Count;
                if (i >= 0 && i < chars.Count) return chars[(int)i];
                return new JinjaUndefined($"str object has no element {ToLong(key)}");
            }
        }
        if (key is JinjaString name)
        {
            var method = Methods.Bind(target, name.Value);
            if (method != null) return method;
            return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute '{name.Value}'");
        }
        return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute {PyFormat.Repr(key)}");
    }

    private static string DescribeObject(JinjaValue v) => $"{v.TypeName} object";

    public static JinjaValue Slice(JinjaValue target, JinjaValue? start, JinjaValue? stop, JinjaValue? step)
    {
        Require(target);
        long st = step is null or JinjaNone ? 1 : ToLong(Require(step));
        if (st == 0) throw TypeError("slice step cannot be zero");
        List<JinjaValue> items = target switch
        {
            JinjaList { IsGenerator: true } => throw TypeError("'generator' object is not subscriptable"),
            JinjaList l => l.Items,
            JinjaString s => Characters(s.Value),
            _ => throw TypeError($"'{target.TypeName}' object is not subscriptable"),
        };
        int n = items.Count;
        long lo, hi;
        if (st > 0)
        {
            lo = start is null or JinjaNone ? 0 : Clamp(ToLong(Require(start)), n, 0, n);
            hi = stop is null or JinjaNone ? n : Clamp(ToLong(Require(stop)), n, 0, n);
        }
        else
        {
            lo = start is null or JinjaNone ? n - 1 : Clamp(ToLong(Require(start)), n, -1, n - 1);
            hi = stop is null or JinjaNone ? -1 : Clamp(ToLong(Require(stop)), n, -1, n - 1);
        }
        var result = new List<JinjaValue>();
        if (st > 0) for (long i = lo; i < hi; i += st) result.Add(items[(int)i]);
        else for (long i = lo; i > hi; i += st) result.Add(items[(int)i]);
        if (target is JinjaString)
        {
            var sb = new StringBuilder();
            foreach (var c in result) sb.Append(((JinjaString)c).Value);
            return new JinjaString(sb.ToString());
        }
        return new JinjaList(result, ((JinjaList)target).IsTuple);
    }

    // Python's slice index normalisation: negative counts from the end, then clamp into [min, max].
    private static long Clamp(long index, int length, long min, long max)
    {
        if (index < 0) index += length;
        return Math.Clamp(index, min, max);
    }
}
