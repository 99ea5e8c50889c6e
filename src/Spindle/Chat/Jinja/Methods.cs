using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// The Python methods templates call on values (<c>s.strip()</c>, <c>d.items()</c>, <c>d.get(k, x)</c>). Mutating
/// methods such as <c>list.append</c> are absent: transformers renders in an immutable sandbox where they fail.
/// A bound method spends from the budget of the render that calls it (<see cref="JinjaArguments.Budget"/>).
/// </summary>
internal static class Methods
{
    public static JinjaCallable? Bind(JinjaValue target, string name) => target switch
    {
        JinjaString s => BindString(s.Value, name),
        JinjaDict { IsNamespace: false } d => BindDict(d, name),
        JinjaList { IsGenerator: false } l => BindList(l, name),
        _ => null,
    };

    private static JinjaCallable Make(string name, Func<JinjaArguments, JinjaValue> f) => new(name, f);

    private static JinjaCallable? BindDict(JinjaDict d, string name) => name switch
    {
        "items" => Make(name, a => Items(d, a.Budget)),
        "keys" => Make(name, a => { a.Budget.Work(d.Count); return new JinjaList([.. d.Items.Keys]); }),
        "values" => Make(name, a => { a.Budget.Work(d.Count); return new JinjaList([.. d.Items.Values]); }),
        "get" => Make(name, a => d.Items.TryGetValue(Ops.Hashable(a.Get(0, "key", JinjaValue.None), a.Budget), out var v) ? v : a.Get(1, "default", JinjaValue.None)),
        _ => null,
    };

    public static JinjaList Items(JinjaDict d, RenderBudget budget)
    {
        budget.Work(d.Count);
        var list = new List<JinjaValue>(d.Count);
        foreach (var (k, v) in d.Items) list.Add(new JinjaList([k, v], isTuple: true));
        return new JinjaList(list);
    }

    private static JinjaCallable? BindList(JinjaList l, string name) => name switch
    {
        "index" => Make(name, a =>
        {
            var x = a.Get(0, "value", JinjaValue.None);
            a.Budget.Work(l.Count);
            for (int i = 0; i < l.Count; i++)
                if (ValueEquality.Equal(l.Items[i], x, a.Budget)) return JinjaInt.Of(i);
            throw Ops.TypeError($"{PyFormat.Repr(x, a.Budget)} is not in list");
        }),
        "count" => Make(name, a =>
        {
            var x = a.Get(0, "value", JinjaValue.None);
            a.Budget.Work(l.Count);
            int n = 0;
            foreach (var v in l.Items) if (ValueEquality.Equal(v, x, a.Budget)) n++;
            return JinjaInt.Of(n);
        }),
        _ => null,
    };

    private static string ArgString(JinjaArguments a, int i, string name)
    {
        var v = a.GetOrNull(i, name) ?? throw Ops.TypeError($"missing argument '{name}'");
        return v is JinjaString s ? s.Value : throw Ops.TypeError($"must be str, not {v.TypeName}");
    }

    private static string? OptionalString(JinjaArguments a, int i, string name) =>
        a.GetOrNull(i, name) switch
        {
            null or JinjaNone => null,
            JinjaString s => s.Value,
            var v => throw Ops.TypeError($"must be str or None, not {v.TypeName}"),
        };

    /// <summary>A string method: the call first charges reading the string it is bound to.</summary>
    private static JinjaCallable MakeString(string s, string name, Func<JinjaArguments, JinjaValue> f) =>
        new(name, a =>
        {
            a.Budget.Read(s.Length);
            return f(a);
        });

    private static JinjaCallable? BindString(string s, string name) => name switch
    {
        "strip" => MakeString(s, name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), true, true))),
        "lstrip" => MakeString(s, name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), true, false))),
        "rstrip" => MakeString(s, name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), false, true))),
        "upper" => MakeString(s, name, a => new JinjaString(Copied(s, a.Budget).ToUpperInvariant())),
        "lower" => MakeString(s, name, a => new JinjaString(Copied(s, a.Budget).ToLowerInvariant())),
        "title" => MakeString(s, name, a => new JinjaString(PyTitle(Copied(s, a.Budget)))),
        "capitalize" => MakeString(s, name, a => new JinjaString(Capitalize(Copied(s, a.Budget)))),
        "startswith" => MakeString(s, name, a => JinjaValue.FromBool(AffixMatch(s, a.Get(0, "prefix", JinjaValue.None), true, a.Budget))),
        "endswith" => MakeString(s, name, a => JinjaValue.FromBool(AffixMatch(s, a.Get(0, "suffix", JinjaValue.None), false, a.Budget))),
        "split" => MakeString(s, name, a => Split(s, OptionalString(a, 0, "sep"), Ops.ToInt(a.Get(1, "maxsplit", new JinjaInt(-1))), a.Budget)),
        "splitlines" => MakeString(s, name, a => new JinjaList(SplitLines(s, a.Budget).ConvertAll(x => (JinjaValue)new JinjaString(x)))),
        "replace" => MakeString(s, name, a => new JinjaString(Replace(s, ArgString(a, 0, "old"), ArgString(a, 1, "new"), Ops.ToLong(a.Get(2, "count", new JinjaInt(-1))), a.Budget))),
        "find" => MakeString(s, name, a => JinjaInt.Of(new TextSearch(ArgString(a, 0, "sub"), a.Budget).IndexOf(s))),
        "rfind" => MakeString(s, name, a => JinjaInt.Of(new TextSearch(ArgString(a, 0, "sub"), a.Budget).LastIndexOf(s))),
        "count" => MakeString(s, name, a => JinjaInt.Of(new TextSearch(ArgString(a, 0, "sub"), a.Budget).Count(s))),
        "join" => MakeString(s, name, a =>
        {
            var parts = Ops.Iterate(a.Get(0, "iterable", JinjaValue.None), a.Budget);
            a.Budget.Work(parts.Count);
            var sb = new StringBuilder();
            for (int i = 0; i < parts.Count; i++)
            {
                string part = parts[i] is JinjaString p ? p.Value : throw Ops.TypeError($"sequence item {i}: expected str instance, {parts[i].TypeName} found");
                long added = (i > 0 ? s.Length : 0) + part.Length;
                a.Budget.Grow(sb.Length + added, added, "join");
                if (i > 0) sb.Append(s);
                sb.Append(part);
            }
            return new JinjaString(sb.ToString());
        }),
        "format" => MakeString(s, name, a => new JinjaString(Format(s, a))),
        "center" => MakeString(s, name, a => new JinjaString(Center(s, Ops.ToInt(a.Get(0, "width", new JinjaInt(0))), PyFormat.Str(a.Get(1, "fillchar", new JinjaString(" ")), a.Budget), a.Budget))),
        "isdigit" => MakeString(s, name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsDigit))),
        "isalpha" => MakeString(s, name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsLetter))),
        "isspace" => MakeString(s, name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsWhiteSpace))),
        "islower" => MakeString(s, name, _ => JinjaValue.FromBool(s.Any(char.IsLetter) && !s.Any(char.IsUpper))),
        "isupper" => MakeString(s, name, _ => JinjaValue.FromBool(s.Any(char.IsLetter) && !s.Any(char.IsLower))),
        _ => null,
    };

    /// <summary>Charges building a same-length copy of <paramref name="s"/> (case mapping, title-casing).</summary>
    private static string Copied(string s, RenderBudget budget)
    {
        budget.String(s.Length, "case mapping");
        return s;
    }

    /// <summary>
    /// str.strip and kin. A long <paramref name="chars"/> becomes a 65,536-bit set first, so the cost stays linear
    /// (testing each character against the string itself would take text × set).
    /// </summary>
    internal static string PyStrip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        ulong[]? set = null;
        if (chars is { Length: > 8 })
        {
            set = new ulong[1024];
            foreach (char c in chars) set[c >> 6] |= 1UL << c;
        }
        if (left) while (start < end && Strippable(s[start], chars, set)) start++;
        if (right) while (end > start && Strippable(s[end - 1], chars, set)) end--;
        return s[start..end];
    }

    private static bool Strippable(char c, string? chars, ulong[]? set) =>
        set != null ? (set[c >> 6] & (1UL << c)) != 0 : chars is null ? char.IsWhiteSpace(c) : chars.Contains(c);

    /// <summary>str.title(): a cased letter following an uncased character starts a word.</summary>
    internal static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            bool cased = char.IsLetter(c);
            sb.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return sb.ToString();
    }

    /// <summary>
    /// str.center: the odd padding character goes left only when the width is odd (CPython's rule). The width is the
    /// size of the result, so it is checked before padding.
    /// </summary>
    internal static string Center(string s, int width, string fill, RenderBudget budget)
    {
        if (fill.Length != 1) throw Ops.TypeError("The fill character must be exactly one character long");
        if (s.Length >= width) return s;
        budget.String(width, "center");
        int total = width - s.Length, left = total / 2 + (total & width & 1);
        return new StringBuilder(width).Append(fill[0], left).Append(s).Append(fill[0], total - left).ToString();
    }

    internal static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static bool AffixMatch(string s, JinjaValue affix, bool prefix, RenderBudget budget)
    {
        if (affix is JinjaList { IsTuple: true } options)
        {
            // One level, as Python: a tuple of tuples is a TypeError, not a recursion as deep as the template nests it.
            budget.Work(options.Count);
            foreach (var o in options.Items)
            {
                if (o is not JinjaString option) throw Ops.TypeError($"tuple for {(prefix ? "startswith" : "endswith")} must only contain str, not {o.TypeName}");
                if (Matches(s, option.Value, prefix)) return true;
            }
            return false;
        }
        if (affix is not JinjaString a) throw Ops.TypeError($"{(prefix ? "startswith" : "endswith")} first arg must be str or a tuple of str, not {affix.TypeName}");
        return Matches(s, a.Value, prefix);

        static bool Matches(string s, string affix, bool prefix) =>
            prefix ? s.StartsWith(affix, StringComparison.Ordinal) : s.EndsWith(affix, StringComparison.Ordinal);
    }

    /// <summary>str.split: no separator splits on whitespace runs and drops empty parts. The part count is checked as it grows.</summary>
    internal static JinjaList Split(string s, string? sep, int maxSplit, RenderBudget budget)
    {
        var parts = new List<JinjaValue>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                budget.GrowList(parts.Count + 1L, "split");
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(new JinjaString(s[i..].TrimEnd()));
                    break;
                }
                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                parts.Add(new JinjaString(s[start..i]));
            }
            return new JinjaList(parts);
        }
        if (sep.Length == 0) throw Ops.TypeError("empty separator");
        var search = new TextSearch(sep, budget);
        int pos = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int idx = search.IndexOf(s, pos);
            if (idx < 0) break;
            budget.GrowList(parts.Count + 2L, "split");
            parts.Add(new JinjaString(s[pos..idx]));
            pos = idx + sep.Length;
        }
        parts.Add(new JinjaString(s[pos..]));
        return new JinjaList(parts);
    }

    /// <summary>str.splitlines: every Unicode line boundary Python recognises; \r\n counts once. The line count is checked as it grows.</summary>
    internal static List<string> SplitLines(string s, RenderBudget budget)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                budget.GrowList(lines.Count + 2L, "splitting lines");
                lines.Add(s[start..i]);
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    /// <summary>
    /// str.replace (at most <paramref name="count"/> replacements when it is not negative). The size of the result is
    /// computed from the match count and checked before anything is built, and the result is then written in one
    /// allocation (string.Replace would also collect every match position first).
    /// </summary>
    internal static string Replace(string s, string old, string replacement, long count, RenderBudget budget)
    {
        var search = new TextSearch(old, budget);
        long matches = search.Count(s);
        if (count >= 0) matches = Math.Min(matches, count);
        long length = s.Length + Ops.SaturatingMultiply(matches, replacement.Length) - matches * old.Length;
        budget.String(length, "replace");
        if (matches == 0) return s;
        return string.Create((int)length, (s, old, search, replacement, matches), static (destination, state) =>
        {
            var (source, pattern, search, insert, remaining) = state;
            int from = 0, to = 0;
            for (; remaining > 0; remaining--)
            {
                // An empty pattern matches before each character (and at the end), as in Python.
                int at = pattern.Length == 0 ? from : search.IndexOf(source, from);
                source.AsSpan(from, at - from).CopyTo(destination[to..]);
                to += at - from;
                insert.AsSpan().CopyTo(destination[to..]);
                to += insert.Length;
                from = at + pattern.Length;
                if (pattern.Length == 0 && from < source.Length) destination[to++] = source[from++];
            }
            source.AsSpan(from).CopyTo(destination[to..]);
        });
    }

    /// <summary>str.format with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs beyond none).</summary>
    private static string Format(string s, JinjaArguments a)
    {
        var budget = a.Budget;
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            int close = s.IndexOf('}', i);
            if (close < 0) throw Ops.TypeError("Single '{' encountered in format string");
            string field = s[(i + 1)..close];
            JinjaValue v;
            if (field.Length == 0) v = a.Positional.Count > auto ? a.Positional[auto++] : throw Ops.TypeError("Replacement index out of range");
            else if (int.TryParse(field, out int idx)) v = idx < a.Positional.Count ? a.Positional[idx] : throw Ops.TypeError("Replacement index out of range");
            else v = a.GetOrNull(-1, field) ?? throw Ops.TypeError($"'{field}'");
            string text = PyFormat.Str(v, budget);
            budget.Grow((long)sb.Length + text.Length, text.Length, "format");
            sb.Append(text);
            i = close;
        }
        return sb.ToString();
    }
}
