using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Python semantics of the operators, subscripts, attribute lookup and iteration over template values. Whatever can
/// grow a value or take time in proportion to one reports to the render's <see cref="RenderBudget"/> first.
/// </summary>
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

    /// <summary>An integer argument (a width, a count) clamped into int range; the budget then judges the size it asks for.</summary>
    public static int ToInt(JinjaValue v) => (int)Math.Clamp(ToLong(v), int.MinValue, int.MaxValue);

    /// <summary><c>a ~ b</c> on the two strings.</summary>
    public static JinjaString Concat(string a, string b, RenderBudget budget)
    {
        budget.String((long)a.Length + b.Length, "'~'");
        return new JinjaString(string.Concat(a, b));
    }

    public static JinjaValue Binary(string op, JinjaValue l, JinjaValue r, RenderBudget budget)
    {
        // str % Undefined: Python treats the Undefined (it has __getitem__) as a mapping argument.
        if (op == "%" && l is JinjaString fmtString && r is JinjaUndefined) return new JinjaString(PercentFormat(fmtString.Value, r, budget));
        Require(l);
        Require(r);
        switch (op)
        {
            case "+":
                if (l is JinjaString ls && r is JinjaString rs)
                {
                    if (ls.IsMarkup == rs.IsMarkup)
                    {
                        budget.String((long)ls.Value.Length + rs.Value.Length, "'+'");
                        return new JinjaString(ls.Value + rs.Value, ls.IsMarkup);
                    }
                    // Markup + str (either order) escapes the plain side.
                    string left = ls.IsMarkup ? ls.Value : HtmlEscape(ls.Value, budget), right = rs.IsMarkup ? rs.Value : HtmlEscape(rs.Value, budget);
                    budget.String((long)left.Length + right.Length, "'+'");
                    return new JinjaString(left + right, true);
                }
                if (l is JinjaList { IsGenerator: false } ll && r is JinjaList { IsGenerator: false } rl && ll.IsTuple == rl.IsTuple)
                {
                    budget.List((long)ll.Count + rl.Count, "'+'");
                    return new JinjaList([.. ll.Items, .. rl.Items], ll.IsTuple);
                }
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
                if (l is JinjaString s1 && IsIntegral(r)) return new JinjaString(Repeat(s1.Value, ToLong(r), budget), s1.IsMarkup);
                if (r is JinjaString s2 && IsIntegral(l)) return new JinjaString(Repeat(s2.Value, ToLong(l), budget), s2.IsMarkup);
                var (list, count) = l is JinjaList ? (l as JinjaList, r) : (r as JinjaList, l);
                if (list is { IsGenerator: false } && IsIntegral(count))
                {
                    // An empty list repeated any number of times is empty: return before a loop of `times` passes.
                    long times = list.Count == 0 ? 0 : Math.Max(0, ToLong(count));
                    budget.List(SaturatingMultiply(list.Count, times), "'*'");
                    var items = new List<JinjaValue>((int)(list.Count * times));
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
                if (l is JinjaString fmt) return new JinjaString(PercentFormat(fmt.Value, r, budget));
                break;
            case "**":
                if (IsIntegral(l) && IsIntegral(r) && ToLong(r) >= 0)
                {
                    // By squaring: 2 ** 9000000000000000000 is 63 multiplications, not 9e18. Overflow wraps, as before.
                    long result = 1, b = ToLong(l);
                    for (long e = ToLong(r); e > 0; e >>= 1)
                    {
                        if ((e & 1) != 0) result = unchecked(result * b);
                        b = unchecked(b * b);
                    }
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

    /// <summary>markupsafe's escape: &amp; &lt; &gt; ' " become entities (checked first: it can grow the text fivefold).</summary>
    public static string HtmlEscape(string s, RenderBudget budget)
    {
        long length = s.Length;
        foreach (char c in s)
            length += c switch { '&' or '\'' or '"' => 4, '<' or '>' => 3, _ => 0 };
        budget.String(length, "escaping");
        return s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("'", "&#39;").Replace("\"", "&#34;");
    }

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

    /// <summary><paramref name="a"/> × <paramref name="b"/> for non-negative operands, long.MaxValue when that overflows.</summary>
    public static long SaturatingMultiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    private static string Repeat(string s, long n, RenderBudget budget)
    {
        if (n <= 0 || s.Length == 0) return "";
        budget.String(SaturatingMultiply(s.Length, n), "'*'");
        var sb = new StringBuilder(s.Length * (int)n);
        for (long k = 0; k < n; k++) sb.Append(s);
        return sb.ToString();
    }

    /// <summary>
    /// printf-style <c>"%s" % x</c>: conversions s r d i f F e E g G x X o c with flags - 0 + space, width and precision.
    /// Widths and precisions are read saturating and each piece's size is checked before it is written, so
    /// <c>'%2000000000d' % 1</c> fails on its size instead of padding.
    /// </summary>
    internal static string PercentFormat(string fmt, JinjaValue args, RenderBudget budget)
    {
        budget.Read(fmt.Length);
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
            long width = 0;
            for (; i < fmt.Length && char.IsAsciiDigit(fmt[i]); i++) width = Math.Min(width * 10 + (fmt[i] - '0'), int.MaxValue);
            long precision = -1;
            if (i < fmt.Length && fmt[i] == '.')
            {
                precision = 0;
                for (i++; i < fmt.Length && char.IsAsciiDigit(fmt[i]); i++) precision = Math.Min(precision * 10 + (fmt[i] - '0'), int.MaxValue);
            }
            if (i >= fmt.Length) throw TypeError("incomplete format");
            char spec = fmt[i];
            if (spec == '%') { sb.Append('%'); continue; }
            if (next >= values.Count) throw TypeError("not enough arguments for format string");
            var v = values[next++];
            bool numeric = spec is not ('s' or 'r' or 'c');
            // Fixed and exponent notation write the precision's digits after at most 310 others (the largest double).
            if (spec is 'f' or 'F' or 'e' or 'E') budget.Grow(sb.Length + precision + 320, 0, "'%' formatting");
            string body = spec switch
            {
                's' => precision >= 0 ? Truncated(PyFormat.Str(v, budget), precision) : PyFormat.Str(v, budget),
                'r' => PyFormat.Repr(v, budget),
                'c' => v is JinjaString cs ? cs.Value : Character(ToLong(v)),
                'd' or 'i' or 'u' => Magnitude(ToLong(v)).ToString(inv),
                'x' => Magnitude(ToLong(v)).ToString("x", inv),
                'X' => Magnitude(ToLong(v)).ToString("X", inv),
                'o' => Octal(Magnitude(ToLong(v))),
                'f' or 'F' => Math.Abs(ToDouble(v)).ToString("F" + (precision < 0 ? 6 : precision), inv),
                'e' or 'E' => PyExponent(Math.Abs(ToDouble(v)), (int)(precision < 0 ? 6 : precision), spec),
                'g' or 'G' => PyFormat.FloatRepr(Math.Abs(ToDouble(v))),
                _ => throw TypeError($"unsupported format character '{spec}'"),
            };
            string sign = "";
            if (numeric)
            {
                bool negative = spec is 'f' or 'F' or 'e' or 'E' or 'g' or 'G' ? ToDouble(v) < 0 : ToLong(v) < 0;
                sign = negative ? "-" : plus ? "+" : space ? " " : "";
            }
            int pad = (int)Math.Max(0, width - sign.Length - body.Length);
            long piece = (long)sign.Length + body.Length + pad;
            budget.Grow(sb.Length + piece, piece, "'%' formatting");
            if (pad == 0) sb.Append(sign).Append(body);
            else if (left) sb.Append(sign).Append(body).Append(' ', pad);
            else if (zero && numeric) sb.Append(sign).Append('0', pad).Append(body);
            else sb.Append(' ', pad).Append(sign).Append(body);
        }
        // Anything with __getitem__ (dict, list, Undefined) counts as a mapping and may go unused; surplus values may not.
        if (next < values.Count && args is not (JinjaDict or JinjaUndefined or JinjaList { IsTuple: false, IsGenerator: false })) throw TypeError("not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static string Truncated(string s, long length) => length < s.Length ? s[..(int)length] : s;

    // |long.MinValue| does not fit a long; as an unsigned magnitude it does.
    private static ulong Magnitude(long v) => v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;

    private static string Octal(ulong v)
    {
        Span<char> digits = stackalloc char[22];
        int k = digits.Length;
        do { digits[--k] = (char)('0' + (int)(v & 7)); v >>= 3; } while (v != 0);
        return new string(digits[k..]);
    }

    private static string Character(long codePoint) =>
        codePoint is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF)
            ? char.ConvertFromUtf32((int)codePoint)
            : throw TypeError("%c arg not in range(0x110000)");

    // Python's %e: mantissa with `precision` decimals, exponent signed and at least two digits.
    private static string PyExponent(double v, int precision, char spec)
    {
        if (!double.IsFinite(v)) return double.IsNaN(v) ? "nan" : "inf";
        string s = v.ToString((spec == 'E' ? "E" : "e") + precision, System.Globalization.CultureInfo.InvariantCulture);
        int e = s.IndexOfAny(['e', 'E']);
        int exp = int.Parse(s[(e + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return s[..(e + 1)] + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool Compare(string op, JinjaValue l, JinjaValue r, RenderBudget budget)
    {
        switch (op)
        {
            case "==": return ValueEquality.Equal(l, r, budget);
            case "!=": return !ValueEquality.Equal(l, r, budget);
            case "in": return Contains(r, l, budget);
            case "notin": return !Contains(r, l, budget);
        }
        int c = Order(l, r, budget);
        return op switch
        {
            "<" => c < 0,
            ">" => c > 0,
            "<=" => c <= 0,
            ">=" => c >= 0,
            _ => throw TypeError($"unknown comparison {op}"),
        };
    }

    /// <summary>
    /// Python ordering: numbers with numbers, strings by code point, sequences lexicographically. The sequence case
    /// continues with the first differing pair in a loop (a tail call), so nested lists do not recurse.
    /// </summary>
    public static int Order(JinjaValue l, JinjaValue r, RenderBudget budget)
    {
        while (true)
        {
            Require(l);
            Require(r);
            if (IsNumber(l) && IsNumber(r)) return ToDouble(l).CompareTo(ToDouble(r));
            if (l is JinjaString ls && r is JinjaString rs)
            {
                budget.Read(Math.Min(ls.Value.Length, rs.Value.Length));
                return string.CompareOrdinal(ls.Value, rs.Value);
            }
            if (l is not JinjaList ll || r is not JinjaList rl)
                throw TypeError($"'<' not supported between instances of '{l.TypeName}' and '{r.TypeName}'");
            int i = 0, n = Math.Min(ll.Count, rl.Count);
            while (i < n && ValueEquality.Equal(ll.Items[i], rl.Items[i], budget)) i++;
            if (i == n) return ll.Count.CompareTo(rl.Count);
            l = ll.Items[i];
            r = rl.Items[i];
            budget.Step();
        }
    }

    public static bool Contains(JinjaValue container, JinjaValue item, RenderBudget budget)
    {
        switch (container)
        {
            case JinjaString s:
                if (item is not JinjaString sub) throw TypeError($"'in <string>' requires string as left operand, not {item.TypeName}");
                budget.Read(s.Value.Length);
                return new TextSearch(sub.Value, budget).IndexOf(s.Value) >= 0;
            case JinjaList l:
                var items = Iterate(l, budget);
                budget.Work(items.Count);
                foreach (var x in items)
                    if (ValueEquality.Equal(x, item, budget)) return true;
                return false;
            case JinjaDict d:
                return d.Items.ContainsKey(Hashable(item, budget));
            case JinjaUndefined:
                return false; // Undefined iterates as empty, so `x in undefined` is False
            default:
                throw TypeError($"argument of type '{container.TypeName}' is not iterable");
        }
    }

    /// <summary>
    /// A value about to key a dict: lists and dicts are unhashable (Python's TypeError); a tuple is walked once, charging
    /// each item, so that hashing and comparing it inside the dict costs no more than that walk.
    /// </summary>
    public static JinjaValue Hashable(JinjaValue key, RenderBudget budget)
    {
        // Hashing and comparing a string key reads it whole.
        budget.Read(key);
        if (key is JinjaList { IsTuple: true, IsGenerator: false } tuple)
        {
            var pending = new Stack<JinjaList>();
            pending.Push(tuple);
            while (pending.Count > 0)
            {
                var t = pending.Pop();
                budget.Work(t.Count);
                foreach (var item in t.Items)
                {
                    budget.Read(item);
                    if (item is JinjaList { IsTuple: true, IsGenerator: false } inner) pending.Push(inner);
                    else if (item is JinjaList { IsGenerator: false } or JinjaDict) throw TypeError($"unhashable type: '{item.TypeName}'");
                }
            }
        }
        else if (key is JinjaList { IsGenerator: false } or JinjaDict) throw TypeError($"unhashable type: '{key.TypeName}'");
        return key;
    }

    /// <summary>The items a for loop or filter sees: list items, dict keys, string characters; undefined is empty.</summary>
    public static List<JinjaValue> Iterate(JinjaValue v, RenderBudget budget)
    {
        switch (v)
        {
            case JinjaList { IsGenerator: true } g:
                budget.Work(g.Count);
                return Drain(g);
            case JinjaList l:
                return l.Items;
            case JinjaDict d:
                budget.Work(d.Count);
                return [.. d.Items.Keys];
            case JinjaString s:
                return Characters(s.Value, budget);
            case JinjaUndefined:
                return [];
            default:
                throw TypeError($"'{v.TypeName}' object is not iterable");
        }
    }

    private static List<JinjaValue> Drain(JinjaList generator)
    {
        var items = new List<JinjaValue>(generator.Items);
        generator.Items.Clear();
        return items;
    }

    private static List<JinjaValue> Characters(string s, RenderBudget budget)
    {
        budget.List(s.Length, "iterating over a string");
        var list = new List<JinjaValue>(s.Length);
        foreach (var rune in s.EnumerateRunes()) list.Add(new JinjaString(rune.ToString()));
        return list;
    }

    public static int Length(JinjaValue v, RenderBudget budget) => v switch
    {
        JinjaList { IsGenerator: true } => throw TypeError("object of type 'generator' has no len()"),
        JinjaString s => CodePointCount(s.Value, budget),
        JinjaList l => l.Count,
        JinjaDict d => d.Count,
        JinjaUndefined => 0,
        _ => throw TypeError($"object of type '{v.TypeName}' has no len()"),
    };

    internal static int CodePointCount(string s, RenderBudget budget)
    {
        budget.Read(s.Length);
        if (!HasSurrogates(s)) return s.Length;
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    /// <summary>Whether <paramref name="s"/> has UTF-16 surrogates; without any, characters and code points coincide.</summary>
    private static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary><c>obj.name</c>: a method of the value's type first (Python getattr), then its item (Jinja's fallback).</summary>
    public static JinjaValue GetAttribute(JinjaValue target, string name)
    {
        if (target is JinjaUndefined u) throw UndefinedError(u);
        if (target is JinjaLoop loop) return loop.Get(name) ?? new JinjaUndefined($"'LoopContext object' has no attribute '{name}'");
        var method = Methods.Bind(target, name);
        if (method != null) return method;
        if (target is JinjaDict d && d.TryGet(name, out var value)) return value;
        return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute '{name}'");
    }

    /// <summary><c>obj[key]</c>: the item first, then (for a string key) an attribute, as Jinja2's getitem does.</summary>
    public static JinjaValue GetItem(JinjaValue target, JinjaValue key, RenderBudget budget)
    {
        switch (target)
        {
            case JinjaUndefined u:
                throw UndefinedError(u);
            // An unhashable key fails the lookup with a TypeError, which Jinja2's getitem turns into undefined.
            case JinjaDict d when key is not (JinjaDict or JinjaList { IsTuple: false, IsGenerator: false }):
                if (d.Items.TryGetValue(Hashable(key, budget), out var v)) return v;
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
                long i = ToLong(key);
                int n = CodePointCount(s.Value, budget);
                if (i < 0) i += n;
                if (i >= 0 && i < n) return n == s.Value.Length ? new JinjaString(s.Value[(int)i].ToString()) : Characters(s.Value, budget)[(int)i];
                return new JinjaUndefined($"str object has no element {ToLong(key)}");
            }
        }
        if (key is JinjaString name)
        {
            if (target is JinjaLoop loop) return GetAttribute(loop, name.Value);
            var method = Methods.Bind(target, name.Value);
            if (method != null) return method;
            return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute '{name.Value}'");
        }
        return new JinjaUndefined($"'{DescribeObject(target)}' has no attribute {PyFormat.Repr(key, budget)}");
    }

    private static string DescribeObject(JinjaValue v) => $"{v.TypeName} object";

    public static JinjaValue Slice(JinjaValue target, JinjaValue? start, JinjaValue? stop, JinjaValue? step, RenderBudget budget)
    {
        Require(target);
        long st = step is null or JinjaNone ? 1 : ToLong(Require(step));
        if (st == 0) throw TypeError("slice step cannot be zero");
        if (target is JinjaList { IsGenerator: true }) throw TypeError("'generator' object is not subscriptable");
        if (target is not (JinjaList or JinjaString)) throw TypeError($"'{target.TypeName}' object is not subscriptable");
        // A string without surrogates is sliced by char index; otherwise by code point, through its list of characters.
        string? text = target is JinjaString ts && !HasSurrogates(ts.Value) ? ts.Value : null;
        if (text != null) budget.Read(text.Length);
        List<JinjaValue>? items = text != null ? null : target is JinjaList tl ? tl.Items : Characters(((JinjaString)target).Value, budget);
        int n = text?.Length ?? items!.Count;
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
        if (text != null)
        {
            if (st == 1) return new JinjaString(hi > lo ? text[(int)lo..(int)hi] : "");
            var chars = new StringBuilder();
            if (st > 0) for (long i = lo; i < hi; i += st) chars.Append(text[(int)i]);
            else for (long i = lo; i > hi; i += st) chars.Append(text[(int)i]);
            return new JinjaString(chars.ToString());
        }
        var result = new List<JinjaValue>();
        if (st > 0) for (long i = lo; i < hi; i += st) result.Add(items![(int)i]);
        else for (long i = lo; i > hi; i += st) result.Add(items![(int)i]);
        budget.Work(result.Count);
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
