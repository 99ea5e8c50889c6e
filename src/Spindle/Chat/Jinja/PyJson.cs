using System.Globalization;
using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers' <c>tojson</c> filter calls (not Jinja2's HTML-escaping one):
/// keys in insertion order unless sort_keys, separators <c>(", ", ": ")</c> without indent and <c>(",", ": ")</c>
/// with it, floats as Python reprs, and non-ASCII kept verbatim when ensure_ascii is false. Nested values count
/// towards the render's nesting depth, and the text is checked against its string limit as it grows.
/// </summary>
internal static class PyJson
{
    public sealed record Options(bool EnsureAscii, string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys);

    /// <summary>Characters written between two checks of the string limit inside one long string.</summary>
    private const int CheckEvery = 4096;

    public static string Dumps(JinjaValue value, Options options, RenderBudget budget)
    {
        var sb = new StringBuilder();
        Write(sb, value, options, 0, budget);
        return sb.ToString();
    }

    private static void NewLine(StringBuilder sb, Options o, int level, RenderBudget budget)
    {
        long added = 1 + (long)level * o.Indent!.Length;
        budget.Grow(sb.Length + added, added, "tojson");
        sb.Append('\n');
        for (int i = 0; i < level; i++) sb.Append(o.Indent);
    }

    private static void Write(StringBuilder sb, JinjaValue value, Options o, int level, RenderBudget budget)
    {
        budget.Enter();
        WriteValue(sb, value, o, level, budget);
        budget.Exit();
        budget.Grow(sb.Length, 0, "tojson");
    }

    private static void WriteValue(StringBuilder sb, JinjaValue value, Options o, int level, RenderBudget budget)
    {
        switch (value)
        {
            case JinjaNone: sb.Append("null"); break;
            case JinjaBool b: sb.Append(b.Value ? "true" : "false"); break;
            case JinjaInt i: sb.Append(i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case JinjaFloat f: sb.Append(FloatJson(f.Value)); break;
            case JinjaString s: WriteString(sb, s.Value, o.EnsureAscii, budget); break;
            case JinjaList { IsGenerator: true }:
                throw Ops.TypeError("Object of type generator is not JSON serializable");
            case JinjaList l:
                if (l.Count == 0) { sb.Append("[]"); break; }
                budget.Work(l.Count);
                sb.Append('[');
                for (int k = 0; k < l.Count; k++)
                {
                    if (k > 0) sb.Append(o.ItemSeparator);
                    if (o.Indent != null) NewLine(sb, o, level + 1, budget);
                    Write(sb, l.Items[k], o, level + 1, budget);
                }
                if (o.Indent != null) NewLine(sb, o, level, budget);
                sb.Append(']');
                break;
            case JinjaDict d:
            {
                if (d.Count == 0) { sb.Append("{}"); break; }
                budget.Work(d.Count);
                var pairs = new List<KeyValuePair<string, JinjaValue>>(d.Count);
                foreach (var (k, v) in d.Items) pairs.Add(new(KeyString(k), v));
                if (o.SortKeys) pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                sb.Append('{');
                for (int k = 0; k < pairs.Count; k++)
                {
                    if (k > 0) sb.Append(o.ItemSeparator);
                    if (o.Indent != null) NewLine(sb, o, level + 1, budget);
                    WriteString(sb, pairs[k].Key, o.EnsureAscii, budget);
                    sb.Append(o.KeySeparator);
                    Write(sb, pairs[k].Value, o, level + 1, budget);
                }
                if (o.Indent != null) NewLine(sb, o, level, budget);
                sb.Append('}');
                break;
            }
            case JinjaUndefined u:
                throw Ops.UndefinedError(u);
            default:
                throw Ops.TypeError($"Object of type {value.TypeName} is not JSON serializable");
        }
    }

    private static string FloatJson(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : PyFormat.FloatRepr(v);

    private static string KeyString(JinjaValue k) => k switch
    {
        JinjaString s => s.Value,
        JinjaInt i => i.Value.ToString(CultureInfo.InvariantCulture),
        JinjaFloat f => FloatJson(f.Value),
        JinjaBool b => b.Value ? "true" : "false",
        JinjaNone => "null",
        _ => throw Ops.TypeError($"keys must be str, int, float, bool or None, not {k.TypeName}"),
    };

    public static void WriteString(StringBuilder sb, string s, bool ensureAscii, RenderBudget budget)
    {
        // The JSON is at least the text and its quotes; escapes can make it longer, so it is re-checked as it grows.
        budget.Grow(sb.Length + 2L + s.Length, s.Length, "tojson");
        sb.Append('"');
        int sinceCheck = 0;
        foreach (char c in s)
        {
            if (++sinceCheck == CheckEvery)
            {
                budget.Grow(sb.Length + 1L, 0, "tojson");
                sinceCheck = 0;
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // Surrogate halves are escaped one by one, which is exactly Python's \ud83d\ude00 form.
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
