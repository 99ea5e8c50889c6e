using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// The Python methods templates call on values (<c>s.strip()</c>, <c>d.items()</c>, <c>d.get(k, x)</c>). Mutating
/// methods such as <c>list.append</c> are absent: transformers renders in an immutable sandbox where they fail.
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
        "items" => Make(name, _ => Items(d)),
        "keys" => Make(name, _ => new JinjaList([.. d.Items.Keys])),
        "values" => Make(name, _ => new JinjaList([.. d.Items.Values])),
        "get" => Make(name, a => d.Items.TryGetValue(a.Get(0, "key", JinjaValue.None), out var v) ? v : a.Get(1, "default", JinjaValue.None)),
        _ => null,
    };

    public static JinjaList Items(JinjaDict d)
    {
        var list = new List<JinjaValue>(d.Count);
        foreach (var (k, v) in d.Items) list.Add(new JinjaList([k, v], isTuple: true));
        return new JinjaList(list);
    }

    private static JinjaCallable? BindList(JinjaList l, string name) => name switch
    {
        "index" => Make(name, a =>
        {
            var x = a.Get(0, "value", JinjaValue.None);
            int i = l.Items.FindIndex(v => v.Equals(x));
            return i >= 0 ? new JinjaInt(i) : throw Ops.TypeError($"{PyFormat.Repr(x)} is not in list");
        }),
        "count" => Make(name, a =>
        {
            var x = a.Get(0, "value", JinjaValue.None);
            int n = 0;
            foreach (var v in l.Items) if (v.Equals(x)) n++;
            return new JinjaInt(n);
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

    private static JinjaCallable? BindString(string s, string name) => name switch
    {
        "strip" => Make(name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), true, true))),
        "lstrip" => Make(name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), true, false))),
        "rstrip" => Make(name, a => new JinjaString(PyStrip(s, OptionalString(a, 0, "chars"), false, true))),
        "upper" => Make(name, _ => new JinjaString(s.ToUpperInvariant())),
        "lower" => Make(name, _ => new JinjaString(s.ToLowerInvariant())),
        "title" => Make(name, _ => new JinjaString(PyTitle(s))),
        "capitalize" => Make(name, _ => new JinjaString(Capitalize(s))),
        "startswith" => Make(name, a => JinjaValue.FromBool(AffixMatch(s, a.Get(0, "prefix", JinjaValue.None), true))),
        "endswith" => Make(name, a => JinjaValue.FromBool(AffixMatch(s, a.Get(0, "suffix", JinjaValue.None), false))),
        "split" => Make(name, a => Split(s, OptionalString(a, 0, "sep"), (int)Ops.ToLong(a.Get(1, "maxsplit", new JinjaInt(-1))))),
        "splitlines" => Make(name, _ => new JinjaList(SplitLines(s).ConvertAll(x => (JinjaValue)new JinjaString(x)))),
        "replace" => Make(name, a => new JinjaString(Replace(s, ArgString(a, 0, "old"), ArgString(a, 1, "new"), Ops.ToLong(a.Get(2, "count", new JinjaInt(-1)))))),
        "find" => Make(name, a => new JinjaInt(s.IndexOf(ArgString(a, 0, "sub"), StringComparison.Ordinal))),
        "rfind" => Make(name, a => new JinjaInt(s.LastIndexOf(ArgString(a, 0, "sub"), StringComparison.Ordinal))),
        "count" => Make(name, a => new JinjaInt(CountOccurrences(s, ArgString(a, 0, "sub")))),
        "join" => Make(name, a =>
        {
            var parts = Ops.Iterate(a.Get(0, "iterable", JinjaValue.None));
            var sb = new StringBuilder();
            for (int i = 0; i < parts.Count; i++)
            {
                if (i > 0) sb.Append(s);
                sb.Append(parts[i] is JinjaString p ? p.Value : throw Ops.TypeError($"sequence item {i}: expected str instance, {parts[i].TypeName} found"));
            }
            return new JinjaString(sb.ToString());
        }),
        "format" => Make(name, a => new JinjaString(Format(s, a))),
        "center" => Make(name, a => new JinjaString(Center(s, (int)Ops.ToLong(a.Get(0, "width", new JinjaInt(0))), PyFormat.Str(a.Get(1, "fillchar", new JinjaString(" ")))))),
        "isdigit" => Make(name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsDigit))),
        "isalpha" => Make(name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsLetter))),
        "isspace" => Make(name, _ => JinjaValue.FromBool(s.Length > 0 && s.All(char.IsWhiteSpace))),
        "islower" => Make(name, _ => JinjaValue.FromBool(s.Any(char.IsLetter) && !s.Any(char.IsUpper))),
        "isupper" => Make(name, _ => JinjaValue.FromBool(s.Any(char.IsLetter) && !s.Any(char.IsLower))),
        _ => null,
    };

    internal static string PyStrip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        bool Strippable(char c) => chars is null ? char.IsWhiteSpace(c) : chars.Contains(c);
        if (left) while (start < end && Strippable(s[start])) start++;
        if (right) while (end > start && Strippable(s[end - 1])) end--;
        return s[start..end];
    }

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

    /// <summary>str.center: the odd padding character goes left only when the width is odd (CPython's rule).</summary>
    internal static string Center(string s, int width, string fill = " ")
    {
        if (s.Length >= width) return s;
        int total = width - s.Length, left = total / 2 + (total & width & 1);
        return string.Concat(Enumerable.Repeat(fill, left)) + s + string.Concat(Enumerable.Repeat(fill, total - left));
    }

    internal static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static bool AffixMatch(string s, JinjaValue affix, bool prefix)
    {
        if (affix is JinjaList { IsTuple: true } options)
        {
            foreach (var o in options.Items)
                if (AffixMatch(s, o, prefix)) return true;
            return false;
        }
        if (affix is not JinjaString a) throw Ops.TypeError($"startswith first arg must be str or a tuple of str, not {affix.TypeName}");
        return prefix ? s.StartsWith(a.Value, StringComparison.Ordinal) : s.EndsWith(a.Value, StringComparison.Ordinal);
    }

    /// <summary>str.split: no separator splits on whitespace runs and drops empty parts.</summary>
    internal static JinjaList Split(string s, string? sep, int maxSplit)
    {
        var parts = new List<JinjaValue>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
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
        int pos = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int idx = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (idx < 0) break;
            parts.Add(new JinjaString(s[pos..idx]));
            pos = idx + sep.Length;
        }
        parts.Add(new JinjaString(s[pos..]));
        return new JinjaList(parts);
    }

    /// <summary>str.splitlines: every Unicode line boundary Python recognises; \r\n counts once.</summary>
    internal static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    internal static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0) return old.Length == 0 ? InsertBetweenAll(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int idx = old.Length == 0 ? (pos <= s.Length ? pos : -1) : s.IndexOf(old, pos, StringComparison.Ordinal);
            if (idx < 0) break;
            sb.Append(s, pos, idx - pos).Append(replacement);
            if (old.Length == 0)
            {
                if (idx < s.Length) sb.Append(s[idx]);
                pos = idx + 1;
            }
            else pos = idx + old.Length;
        }
        if (pos < s.Length) sb.Append(s, pos, s.Length - pos);
        return sb.ToString();
    }

    private static string InsertBetweenAll(string s, string insert)
    {
        var sb = new StringBuilder();
        sb.Append(insert);
        foreach (char c in s) sb.Append(c).Append(insert);
        return sb.ToString();
    }

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        int n = 0, pos = 0;
        while ((pos = s.IndexOf(sub, pos, StringComparison.Ordinal)) >= 0) { n++; pos += sub.Length; }
        return n;
    }

    /// <summary>str.format with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs beyond none).</summary>
    private static string Format(string s, JinjaArguments a)
    {
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
            sb.Append(PyFormat.Str(v));
            i = close;
        }
        return sb.ToString();
    }
}
