using System.Text;
using System.Text.Json;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Compact JSON text as the compiler's literals expect it and as the MaskBench replay serializes instances: no whitespace
/// (like Python's <c>json.dumps(separators=(",", ":"), ensure_ascii=False)</c>), non-ASCII kept as UTF-8, numbers as written
/// in the source, strings escaped only where JSON requires (<c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other controls as
/// lowercase <c>\u00xx</c>).
/// </summary>
public static class JsonText
{
    public static string Serialize(JsonElement value)
    {
        var sb = new StringBuilder();
        Write(value, sb);
        return sb.ToString();
    }

    public static void Write(JsonElement value, StringBuilder sb) => Write(value, sb, ",", ":");

    /// <summary>As Python's <c>json.dumps(ensure_ascii=False)</c> with its default separators <c>", "</c> and <c>": "</c>.</summary>
    public static string SerializeSpaced(JsonElement value)
    {
        var sb = new StringBuilder();
        Write(value, sb, ", ", ": ");
        return sb.ToString();
    }

    private static void Write(JsonElement value, StringBuilder sb, string itemSeparator, string keySeparator)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var p in value.EnumerateObject())
                {
                    if (!first) sb.Append(itemSeparator);
                    first = false;
                    WriteString(p.Name, sb);
                    sb.Append(keySeparator);
                    Write(p.Value, sb, itemSeparator, keySeparator);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                bool firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem) sb.Append(itemSeparator);
                    firstItem = false;
                    Write(item, sb, itemSeparator, keySeparator);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String: WriteString(value.GetString()!, sb); break;
            case JsonValueKind.Number: sb.Append(value.GetRawText()); break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            default: sb.Append("null"); break;
        }
    }

    public static string QuoteString(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        WriteString(s, sb);
        return sb.ToString();
    }

    public static void WriteString(string s, StringBuilder sb)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2"));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
