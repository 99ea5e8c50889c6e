using System.Globalization;
using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Jinja2's built-in filters as version 3.1 defines them, plus transformers' <c>tojson</c> override. Filters that take
/// text apply Python's <c>str()</c> first, so an undefined operand reads as the empty string. Each filter spends from
/// the render's budget (<see cref="JinjaArguments.Budget"/>): the text it reads, the items it visits, and the size of
/// what it builds, checked before building it.
/// </summary>
internal static class Filters
{
    private static readonly HashSet<string> Names =
    [
        "tojson", "trim", "length", "count", "upper", "lower", "title", "capitalize", "replace", "join", "first", "last",
        "default", "d", "list", "string", "int", "float", "abs", "round", "safe", "escape", "e", "forceescape", "items",
        "dictsort", "selectattr", "rejectattr", "map", "select", "reject", "unique", "sort", "reverse", "indent",
        "wordcount", "batch", "center", "sum", "min", "max", "attr", "format", "truncate", "striptags", "pprint",
    ];

    public static bool Exists(string name) => Names.Contains(name);

    public static JinjaValue Apply(string name, JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        budget.Read(v);
        switch (name)
        {
            case "tojson": return ToJson(v, a);
            case "trim": return new JinjaString(Methods.PyStrip(Text(v, budget), OptionalString(a, 0, "chars"), true, true), IsMarkup(v));
            case "length" or "count": return JinjaInt.Of(Ops.Length(v, budget));
            case "upper": return new JinjaString(SameLength(Text(v, budget), budget).ToUpperInvariant(), IsMarkup(v));
            case "lower": return new JinjaString(SameLength(Text(v, budget), budget).ToLowerInvariant(), IsMarkup(v));
            case "title": return new JinjaString(Title(SameLength(Text(v, budget), budget)));
            case "capitalize": return new JinjaString(Methods.Capitalize(SameLength(Text(v, budget), budget)));
            case "replace":
                return new JinjaString(Methods.Replace(Text(v, budget), Text(Arg(a, 0, "old"), budget), Text(Arg(a, 1, "new"), budget),
                    a.GetOrNull(2, "count") is { } c and not JinjaNone ? Ops.ToLong(c) : -1, budget));
            case "join": return Join(v, a);
            case "first":
            {
                var items = Ops.Iterate(v, budget);
                return items.Count > 0 ? items[0] : new JinjaUndefined("No first item, sequence was empty.");
            }
            case "last":
            {
                var items = Ops.Iterate(v, budget);
                return items.Count > 0 ? items[^1] : new JinjaUndefined("No last item, sequence was empty.");
            }
            case "default" or "d":
            {
                var fallback = a.Get(0, "default_value", JinjaString.Empty);
                bool boolean = a.Get(1, "boolean", JinjaValue.False).IsTruthy;
                return v is JinjaUndefined || (boolean && !v.IsTruthy) ? fallback : v;
            }
            case "list":
            {
                var items = Ops.Iterate(v, budget);
                budget.List(items.Count, "list");
                return new JinjaList([.. items]);
            }
            case "string": return v is JinjaString ? v : new JinjaString(Text(v, budget));
            case "int": return ToInt(Ops.Require(v), a);
            case "float": return ToFloat(Ops.Require(v), a);
            case "abs":
                return v switch
                {
                    JinjaInt i => i.Value == long.MinValue ? i : new JinjaInt(Math.Abs(i.Value)),
                    JinjaFloat f => new JinjaFloat(Math.Abs(f.Value)),
                    JinjaBool b => new JinjaInt(b.Value ? 1 : 0),
                    _ => throw Ops.TypeError($"bad operand type for abs(): '{v.TypeName}'"),
                };
            case "round": return Round(v, a);
            case "safe": return v is JinjaString { IsMarkup: true } ? v : new JinjaString(Text(v, budget), isMarkup: true);
            case "escape" or "e": return v is JinjaString { IsMarkup: true } ? v : new JinjaString(Ops.HtmlEscape(Text(v, budget), budget), isMarkup: true);
            case "forceescape": return new JinjaString(Ops.HtmlEscape(Text(v, budget), budget), isMarkup: true);
            case "items":
                return v switch
                {
                    JinjaUndefined => JinjaList.Generator([]),
                    JinjaDict d => JinjaList.Generator(Methods.Items(d, budget).Items),
                    _ => throw Ops.TypeError($"Can only get item pairs from a mapping, not {v.TypeName}"),
                };
            case "dictsort": return DictSort(v, a);
            // Jinja2's select/reject/map begin with `if value:`, so none or an empty value yields nothing.
            case "selectattr": return JinjaList.Generator(v.IsTruthy ? SelectAttr(v, a, true).Items : []);
            case "rejectattr": return JinjaList.Generator(v.IsTruthy ? SelectAttr(v, a, false).Items : []);
            case "select": return JinjaList.Generator(v.IsTruthy ? Select(v, a, true).Items : []);
            case "reject": return JinjaList.Generator(v.IsTruthy ? Select(v, a, false).Items : []);
            case "map": return JinjaList.Generator(v.IsTruthy ? Map(v, a).Items : []);
            case "unique": return JinjaList.Generator(Unique(v, a).Items);
            case "sort": return Sort(v, a);
            case "reverse":
                if (v is JinjaString rs)
                {
                    var chars = Ops.Iterate(rs, budget);
                    var reversed = new StringBuilder(rs.Value.Length);
                    for (int i = chars.Count - 1; i >= 0; i--) reversed.Append(((JinjaString)chars[i]).Value);
                    return new JinjaString(reversed.ToString());
                }
                // reversed() of a list is an iterator; a generator is first turned into a (real) list.
                bool fromSequence = v is JinjaList { IsGenerator: false };
                var source = Ops.Iterate(v, budget);
                budget.List(source.Count, "reverse");
                var rev = new List<JinjaValue>(source);
                rev.Reverse();
                return new JinjaList(rev, isGenerator: fromSequence);
            case "indent": return Indent(v, a);
            case "wordcount": return JinjaInt.Of(WordCount(Text(v, budget)));
            case "batch": return Batch(v, a);
            case "center": return new JinjaString(Methods.Center(Text(v, budget), Ops.ToInt(a.Get(0, "width", new JinjaInt(80))), " ", budget));
            case "sum":
            {
                var attribute = a.GetOrNull(0, "attribute");
                JinjaValue total = a.Get(1, "start", new JinjaInt(0));
                foreach (var item in Ops.Iterate(v, budget))
                {
                    budget.Step();
                    total = Ops.Binary("+", total, attribute is null or JinjaNone ? item : Attribute(item, attribute, budget), budget);
                }
                return total;
            }
            case "min" or "max": return MinMax(v, a, name == "max");
            case "attr": return Ops.GetAttribute(v, Text(Arg(a, 0, "name"), budget));
            case "format":
            {
                var args = a.Positional.Count == 1 ? a.Positional[0] : new JinjaList([.. a.Positional], isTuple: true);
                return new JinjaString(Ops.PercentFormat(Text(v, budget), args, budget));
            }
            case "truncate": return Truncate(v, a);
            case "striptags": return new JinjaString(string.Join(' ', StripTags(Text(v, budget)).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
            case "pprint": return new JinjaString(PyFormat.Repr(v, budget));
            default: throw new JinjaRuntimeException($"No filter named '{name}'.");
        }
    }

    /// <summary>
    /// Removes each <c>&lt;...&gt;</c> as the regex <c>&lt;[^&gt;]*&gt;</c> would, in one pass: once no '&gt;' follows a '&lt;',
    /// no later tag can close either, where the regex would rescan the rest from every '&lt;'.
    /// </summary>
    private static string StripTags(string s)
    {
        var sb = new StringBuilder(s.Length);
        int pos = 0;
        while (pos < s.Length)
        {
            int open = s.IndexOf('<', pos);
            int close = open < 0 ? -1 : s.IndexOf('>', open + 1);
            if (close < 0) break;
            sb.Append(s, pos, open - pos);
            pos = close + 1;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    /// <summary>Python's <c>str()</c> of a filter's operand or argument, within the render's limits.</summary>
    private static string Text(JinjaValue v, RenderBudget budget) => PyFormat.Str(v, budget);

    /// <summary>Charges building a copy of <paramref name="s"/> (case mapping keeps the length).</summary>
    private static string SameLength(string s, RenderBudget budget)
    {
        budget.String(s.Length, "case mapping");
        return s;
    }

    private static JinjaValue Arg(JinjaArguments a, int i, string name) =>
        a.GetOrNull(i, name) ?? throw Ops.TypeError($"filter is missing its argument '{name}'");

    private static string? OptionalString(JinjaArguments a, int i, string name) =>
        a.GetOrNull(i, name) is JinjaString s ? s.Value : null;

    /// <summary>transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).</summary>
    private static JinjaString ToJson(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        bool ensureAscii = a.Get(0, "ensure_ascii", JinjaValue.False).IsTruthy;
        string? indent = a.Get(1, "indent", JinjaValue.None) switch
        {
            JinjaNone or JinjaUndefined => null,
            JinjaString s => s.Value,
            var n => Spaces(Ops.ToInt(n), "tojson indent", budget),
        };
        string itemSep = indent is null ? ", " : ",", keySep = ": ";
        if (a.Get(2, "separators", JinjaValue.None) is JinjaList { Count: 2 } seps)
        {
            itemSep = Text(seps.Items[0], budget);
            keySep = Text(seps.Items[1], budget);
        }
        bool sortKeys = a.Get(3, "sort_keys", JinjaValue.False).IsTruthy;
        return new JinjaString(PyJson.Dumps(v, new PyJson.Options(ensureAscii, indent, itemSep, keySep, sortKeys), budget));
    }

    private static string Spaces(int count, string operation, RenderBudget budget)
    {
        if (count <= 0) return "";
        budget.String(count, operation);
        return new string(' ', count);
    }

    private static JinjaString Join(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        string sep = Text(a.Get(0, "d", JinjaString.Empty), budget);
        var attribute = a.GetOrNull(1, "attribute");
        var sb = new StringBuilder();
        var items = Ops.Iterate(v, budget);
        budget.Work(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string item = Text(attribute is null or JinjaNone ? items[i] : Attribute(items[i], attribute, budget), budget);
            long added = (i > 0 ? sep.Length : 0) + item.Length;
            budget.Grow(sb.Length + added, added, "join");
            if (i > 0) sb.Append(sep);
            sb.Append(item);
        }
        return new JinjaString(sb.ToString());
    }

    /// <summary>Jinja2's <c>title</c>: capitalise each piece after a run of '-', whitespace or an opening bracket.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool atWordStart = true;
        foreach (char c in s)
        {
            if (c == '-' || char.IsWhiteSpace(c) || c is '(' or '{' or '[' or '<')
            {
                sb.Append(c);
                atWordStart = true;
            }
            else
            {
                sb.Append(atWordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                atWordStart = false;
            }
        }
        return sb.ToString();
    }

    private static JinjaValue ToInt(JinjaValue v, JinjaArguments a)
    {
        var fallback = a.Get(0, "default", new JinjaInt(0));
        switch (v)
        {
            case JinjaInt: return v;
            case JinjaBool b: return new JinjaInt(b.Value ? 1 : 0);
            case JinjaFloat f: return double.IsFinite(f.Value) ? new JinjaInt((long)Math.Truncate(f.Value)) : fallback;
            case JinjaString s:
            {
                string t = s.Value.Trim().Replace("_", "");
                int numberBase = Ops.ToInt(a.Get(1, "base", new JinjaInt(10)));
                try
                {
                    if (numberBase == 10 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return new JinjaInt(l);
                    // Convert knows bases 2, 8 and 16 only; anything it rejects (or overflows) takes the default.
                    if (numberBase != 10) return new JinjaInt(Convert.ToInt64(t, numberBase));
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { return fallback; }
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d))
                    return new JinjaInt((long)Math.Truncate(d));
                return fallback;
            }
            default: return fallback;
        }
    }

    private static JinjaValue ToFloat(JinjaValue v, JinjaArguments a)
    {
        var fallback = a.Get(0, "default", new JinjaFloat(0));
        return v switch
        {
            JinjaFloat => v,
            JinjaInt i => new JinjaFloat(i.Value),
            JinjaBool b => new JinjaFloat(b.Value ? 1 : 0),
            JinjaString s when double.TryParse(s.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => new JinjaFloat(d),
            _ => fallback,
        };
    }

    private static JinjaValue Round(JinjaValue v, JinjaArguments a)
    {
        int precision = Ops.ToInt(a.Get(0, "precision", new JinjaInt(0)));
        string method = Text(a.Get(1, "method", new JinjaString("common")), a.Budget);
        // Python's round(int, n) stays an int; everything else becomes a float.
        if (method == "common" && v is JinjaInt or JinjaBool && precision >= 0) return new JinjaInt(Ops.ToLong(v));
        double x = Ops.ToDouble(Ops.Require(v));
        double scale = Math.Pow(10, precision);
        double r = method switch
        {
            "common" => Math.Round(x, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => throw Ops.TypeError("method must be 'common', 'ceil' or 'floor'"),
        };
        return new JinjaFloat(r);
    }

    private static bool IsMarkup(JinjaValue v) => v is JinjaString { IsMarkup: true };

    /// <summary>Dotted attribute paths as Jinja2's make_attrgetter resolves them: "a.b", digits index lists.</summary>
    private static JinjaValue Attribute(JinjaValue item, JinjaValue attribute, RenderBudget budget)
    {
        if (attribute is JinjaInt) return Ops.GetItem(item, attribute, budget);
        var current = item;
        foreach (var part in Text(attribute, budget).Split('.'))
        {
            budget.Step();
            JinjaValue key = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? new JinjaInt(n) : new JinjaString(part);
            current = current is JinjaUndefined ? current : Ops.GetItem(current, key, budget);
        }
        return current;
    }

    private static JinjaList SelectAttr(JinjaValue v, JinjaArguments a, bool keep)
    {
        var budget = a.Budget;
        var attribute = Arg(a, 0, "attr");
        string? test = a.Positional.Count > 1 ? Text(a.Positional[1], budget) : null;
        var testArgs = new JinjaArguments(a.Positional.Count > 2 ? a.Positional[2..] : [], a.Keyword, budget);
        var result = new List<JinjaValue>();
        foreach (var item in Ops.Iterate(v, budget))
        {
            budget.Step();
            var value = Attribute(item, attribute, budget);
            bool passes = test is null ? value.IsTruthy : Tests.Apply(test, value, testArgs);
            if (passes == keep) result.Add(item);
        }
        return new JinjaList(result);
    }

    private static JinjaList Select(JinjaValue v, JinjaArguments a, bool keep)
    {
        var budget = a.Budget;
        string? test = a.Positional.Count > 0 ? Text(a.Positional[0], budget) : null;
        var testArgs = new JinjaArguments(a.Positional.Count > 1 ? a.Positional[1..] : [], a.Keyword, budget);
        var result = new List<JinjaValue>();
        foreach (var item in Ops.Iterate(v, budget))
        {
            budget.Step();
            bool passes = test is null ? item.IsTruthy : Tests.Apply(test, item, testArgs);
            if (passes == keep) result.Add(item);
        }
        return new JinjaList(result);
    }

    private static JinjaList Map(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        var result = new List<JinjaValue>();
        var attribute = a.GetOrNull(-1, "attribute");
        if (attribute != null)
        {
            var fallback = a.GetOrNull(-1, "default");
            foreach (var item in Ops.Iterate(v, budget))
            {
                budget.Step();
                var value = Attribute(item, attribute, budget);
                result.Add(value is JinjaUndefined && fallback != null ? fallback : value);
            }
            return new JinjaList(result);
        }
        if (a.Positional.Count == 0) throw Ops.TypeError("map requires a filter name or attribute=");
        string filter = Text(a.Positional[0], budget);
        var filterArgs = new JinjaArguments(a.Positional[1..], a.Keyword, budget);
        // map('map', 'map', ...) recurses through Apply once per argument, so it counts as nesting.
        budget.Enter();
        foreach (var item in Ops.Iterate(v, budget))
        {
            budget.Step();
            result.Add(Apply(filter, item, filterArgs));
        }
        budget.Exit();
        return new JinjaList(result);
    }

    private static JinjaValue SortKey(JinjaValue item, JinjaValue? attribute, bool caseSensitive, RenderBudget budget)
    {
        budget.Step();
        var key = attribute is null or JinjaNone ? item : Attribute(item, attribute, budget);
        if (caseSensitive || key is not JinjaString s) return key;
        budget.String(s.Value.Length, "case folding");
        return new JinjaString(s.Value.ToLowerInvariant());
    }

    private static JinjaList Unique(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        bool caseSensitive = a.Get(0, "case_sensitive", JinjaValue.False).IsTruthy;
        var attribute = a.GetOrNull(1, "attribute");
        var seen = new HashSet<JinjaValue>();
        var result = new List<JinjaValue>();
        foreach (var item in Ops.Iterate(v, budget))
        {
            var key = Ops.Hashable(SortKey(item, attribute, caseSensitive, budget), budget);
            if (seen.Add(key)) result.Add(item);
        }
        return new JinjaList(result);
    }

    private static JinjaList Sort(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        bool reverse = a.Get(0, "reverse", JinjaValue.False).IsTruthy;
        bool caseSensitive = a.Get(1, "case_sensitive", JinjaValue.False).IsTruthy;
        var attribute = a.GetOrNull(2, "attribute");
        var items = Ops.Iterate(v, budget);
        budget.List(items.Count, "sort");
        var keys = new List<JinjaValue>(items.Count);
        foreach (var item in items) keys.Add(SortKey(item, attribute, caseSensitive, budget));
        return new JinjaList(StableSort(items, keys, reverse, budget));
    }

    private static JinjaList DictSort(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        if (v is not JinjaDict d) throw Ops.TypeError("dictsort expects a mapping");
        bool caseSensitive = a.Get(0, "case_sensitive", JinjaValue.False).IsTruthy;
        string by = Text(a.Get(1, "by", new JinjaString("key")), budget);
        bool reverse = a.Get(2, "reverse", JinjaValue.False).IsTruthy;
        int index = by == "key" ? 0 : by == "value" ? 1 : throw Ops.TypeError("You can only sort by either \"key\" or \"value\"");
        var pairs = Methods.Items(d, budget).Items;
        var keys = new List<JinjaValue>(pairs.Count);
        foreach (var p in pairs) keys.Add(SortKey(((JinjaList)p).Items[index], null, caseSensitive, budget));
        return new JinjaList(StableSort(pairs, keys, reverse, budget));
    }

    /// <summary>
    /// Python's sorted(): stable (reverse=True keeps equal items in input order) and raising the comparison's own
    /// TypeError for incomparable keys. A merge sort, because List.Sort is unstable and wraps comparer exceptions.
    /// </summary>
    private static List<JinjaValue> StableSort(List<JinjaValue> items, List<JinjaValue> keys, bool reverse, RenderBudget budget)
    {
        var order = new int[items.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var scratch = new int[order.Length];
        MergeSort(order, scratch, 0, order.Length, keys, reverse, budget);
        var result = new List<JinjaValue>(items.Count);
        foreach (int i in order) result.Add(items[i]);
        return result;
    }

    // Recursion depth is log2 of the item count, at most 20 for the largest list a template may build.
    private static void MergeSort(int[] a, int[] tmp, int lo, int hi, List<JinjaValue> keys, bool reverse, RenderBudget budget)
    {
        if (hi - lo < 2) return;
        int mid = (lo + hi) / 2;
        MergeSort(a, tmp, lo, mid, keys, reverse, budget);
        MergeSort(a, tmp, mid, hi, keys, reverse, budget);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
        {
            budget.Step();
            int c = Ops.Order(keys[a[j]], keys[a[i]], budget);
            // Take from the right run only when strictly before the left item, which keeps the sort stable.
            bool takeRight = reverse ? c > 0 : c < 0;
            tmp[k++] = takeRight ? a[j++] : a[i++];
        }
        while (i < mid) tmp[k++] = a[i++];
        while (j < hi) tmp[k++] = a[j++];
        Array.Copy(tmp, lo, a, lo, hi - lo);
    }

    /// <summary>Jinja2's indent: lines after the first get the prefix (blank ones only when blank=True).</summary>
    private static JinjaString Indent(JinjaValue v, JinjaArguments a)
    {
        // Jinja2 3.1 starts with `s += "\n"`, which only a string survives.
        if (v is not JinjaString) throw v is JinjaUndefined u ? Ops.UndefinedError(u) : Ops.TypeError($"unsupported operand type(s) for +=: '{v.TypeName}' and 'str'");
        var budget = a.Budget;
        var width = a.Get(0, "width", new JinjaInt(4));
        string indentation = width is JinjaString ws ? ws.Value : Spaces(Ops.ToInt(width), "indent", budget);
        bool first = a.Get(1, "first", JinjaValue.False).IsTruthy;
        bool blank = a.Get(2, "blank", JinjaValue.False).IsTruthy;
        // Jinja appends a newline before splitlines() so a trailing newline is not lost.
        string text = Text(v, budget);
        budget.String(text.Length + 1L, "indent");
        var lines = Methods.SplitLines(text + "\n", budget);
        // Every line may get the indentation (the first too, with first=True): check that size before writing.
        budget.String(text.Length + 1L + Ops.SaturatingMultiply(lines.Count + 1, indentation.Length), "indent");
        var sb = new StringBuilder();
        if (blank)
        {
            sb.AppendJoin("\n" + indentation, lines);
        }
        else
        {
            sb.Append(lines.Count > 0 ? lines[0] : "");
            for (int i = 1; i < lines.Count; i++)
            {
                sb.Append('\n');
                if (lines[i].Length > 0) sb.Append(indentation);
                sb.Append(lines[i]);
            }
        }
        return new JinjaString(first ? indentation + sb : sb.ToString(), IsMarkup(v));
    }

    private static int WordCount(string s)
    {
        int n = 0;
        bool inWord = false;
        foreach (char c in s)
        {
            bool wordChar = char.IsLetterOrDigit(c) || c == '_';
            if (wordChar && !inWord) n++;
            inWord = wordChar;
        }
        return n;
    }

    private static JinjaList Batch(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        int size = Ops.ToInt(Arg(a, 0, "linecount"));
        var fill = a.GetOrNull(1, "fill_with");
        if (fill is not null and not JinjaNone) budget.List(size, "batch fill");
        var result = new List<JinjaValue>();
        List<JinjaValue>? current = null;
        foreach (var item in Ops.Iterate(v, budget))
        {
            budget.Step();
            current ??= [];
            current.Add(item);
            if (current.Count == size) { result.Add(new JinjaList(current)); current = null; }
        }
        if (current != null)
        {
            if (fill is not null and not JinjaNone) while (current.Count < size) current.Add(fill);
            result.Add(new JinjaList(current));
        }
        return new JinjaList(result);
    }

    private static JinjaValue MinMax(JinjaValue v, JinjaArguments a, bool max)
    {
        var budget = a.Budget;
        bool caseSensitive = a.Get(0, "case_sensitive", JinjaValue.False).IsTruthy;
        var attribute = a.GetOrNull(1, "attribute");
        JinjaValue? best = null, bestKey = null;
        foreach (var item in Ops.Iterate(v, budget))
        {
            var key = SortKey(item, attribute, caseSensitive, budget);
            if (best == null || (max ? Ops.Order(key, bestKey!, budget) > 0 : Ops.Order(key, bestKey!, budget) < 0)) { best = item; bestKey = key; }
        }
        return best ?? new JinjaUndefined($"No aggregated item, sequence was empty.");
    }

    private static JinjaString Truncate(JinjaValue v, JinjaArguments a)
    {
        var budget = a.Budget;
        string s = Text(v, budget);
        int length = Ops.ToInt(a.Get(0, "length", new JinjaInt(255)));
        bool killWords = a.Get(1, "killwords", JinjaValue.False).IsTruthy;
        string end = Text(a.Get(2, "end", new JinjaString("...")), budget);
        int leeway = Ops.ToInt(a.Get(3, "leeway", new JinjaInt(5)));
        if (s.Length <= (long)length + leeway) return new JinjaString(s);
        budget.String((long)Math.Min(s.Length, Math.Max(0, length)) + end.Length, "truncate");
        if (killWords) return new JinjaString(s[..Math.Max(0, length - end.Length)] + end);
        string cut = s[..Math.Max(0, length - end.Length)];
        int space = cut.LastIndexOf(' ');
        if (space >= 0) cut = cut[..space];
        return new JinjaString(cut + end);
    }
}
