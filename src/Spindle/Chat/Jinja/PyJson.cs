using System.Globalization;
using System.Text;

namespace Spindle.Chat.Jinja;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers' <c>tojson</c> filter calls (not Jinja2's HTML-escaping one):
/// keys in insertion order unless sort_keys, separators <c>(", ", ": ")</c> without indent and <c>(",", ": ")</c>
/// with it, floats as Python reprs, and non-ASCII kept verbatim when ensure_ascii is false.
/// </summary>
internal static class PyJson
{
    public sealed record Options(bool EnsureAscii, string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys);

    public static string Dumps(JinjaValue value, Options options)
    {
        var sb = new StringBuilder();
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    private static void NewLine(StringBuilder sb, Options o, int level)
    {
        sb.Append('\n');
        for (int i = 0; i < level; i++) sb.Append(o.Indent);
    }

    private static void Write(StringBuilder sb, JinjaValue value, Options o, int level)
    {
        switch (value)
        {
            case JinjaNone: sb.Append("null"); break;
            case JinjaBool b: sb.Append(b.Value ? "true" : "false"); break;
            case JinjaInt i: sb.Append(i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case JinjaFloat f: sb.Append(FloatJson(f.Value)); break;
            case JinjaString s: WriteString(sb, s.Value, o.EnsureAscii); break;
            case JinjaList { IsGenerator: true }:
                throw Ops.TypeError("Object of type generator is not JSON serializable");
            case JinjaList l:
                if (l.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int k = 0; k < l.Count; k++)
                {
                    if (k > 0) sb.Append(o.ItemSeparator);
                    if (o.Indent != null) NewLine(sb, o, level + 1);
                    Write(sb, l.Items[k], o, level + 1);
                }
                if (o.Indent != null) NewLine(sb, o, level);
                sb.Append(']');
                break;
            case JinjaDict d:
            {
                if (d.Count == 0) { sb.Append("{}"); break; }
                var pairs = new List<KeyValuePair<string, JinjaValue>>(d.Count);
                foreach (var (k, v) in d.Items) pairs.Add(new(KeyString(k), v));
                if (o.SortKeys) pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                sb.Append('{');
                for (int k = 0; k < pairs.Count; k++)
                {
                    if (k > 0) sb.Append(o.ItemSeparator);
                    if (o.Indent != null) NewLine(sb, o, level + 1);
                    WriteString(sb, pairs[k].Key, o.EnsureAscii);
                    sb.Append(o.KeySeparator);
                    Write(sb, pairs[k].Value, o, level + 1);
                }
                if (o.Indent != null) NewLine(sb, o, level);
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

    public static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
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
