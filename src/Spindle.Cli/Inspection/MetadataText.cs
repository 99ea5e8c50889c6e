using System.Globalization;
using System.Text;
using Spindle.Gguf;

namespace Spindle.Cli.Inspection;

/// <summary>Short human renderings of metadata values: arrays longer than a few items are summarised by type and count.</summary>
internal static class MetadataText
{
    public const int InlineArrayLimit = 8;

    public static string Format(GgufValue value, int maxStringLength = 120) => value.Value switch
    {
        GgufArray a => FormatArray(a),
        string s => Quote(s, maxStringLength),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static string FormatArray(GgufArray a)
    {
        if (a.Count > InlineArrayLimit) return $"[{TypeName(a.ElementType)} × {a.Count}]";
        var sb = new StringBuilder("[");
        for (int i = 0; i < a.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            object item = a.Items.GetValue(i)!;
            sb.Append(item switch
            {
                GgufArray inner => FormatArray(inner),
                string s => Quote(s, 40),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                _ => item.ToString(),
            });
        }
        return sb.Append(']').ToString();
    }

    /// <summary>GGUF's own type names (gguf-py): u8, i32, f32, string, array...</summary>
    public static string TypeName(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => "u8",
        GgufValueType.Int8 => "i8",
        GgufValueType.UInt16 => "u16",
        GgufValueType.Int16 => "i16",
        GgufValueType.UInt32 => "u32",
        GgufValueType.Int32 => "i32",
        GgufValueType.Float32 => "f32",
        GgufValueType.Bool => "bool",
        GgufValueType.String => "string",
        GgufValueType.Array => "array",
        GgufValueType.UInt64 => "u64",
        GgufValueType.Int64 => "i64",
        GgufValueType.Float64 => "f64",
        _ => $"type{(uint)type}",
    };

    /// <summary>
    /// Quoted, with quotes and backslashes escaped and every character a terminal would act on escaped as
    /// <see cref="TerminalText"/> does; cut at <paramref name="maxLength"/> characters (never inside a surrogate pair).
    /// </summary>
    public static string Quote(string s, int maxLength)
    {
        var sb = new StringBuilder("\"");
        int n = Math.Min(s.Length, maxLength);
        if (n < s.Length && n > 0 && char.IsHighSurrogate(s[n - 1])) n--;
        int run = 0;
        for (int i = 0; i < n; i++)
        {
            char c = s[i];
            if (c != '"' && c != '\\') continue;
            TerminalText.Append(sb, s.AsSpan(run, i - run));
            sb.Append('\\').Append(c);
            run = i + 1;
        }
        TerminalText.Append(sb, s.AsSpan(run, n - run));
        sb.Append('"');
        if (s.Length > n) sb.Append($"… ({s.Length} chars)");
        return sb.ToString();
    }

    public static string Bytes(long byteCount) => byteCount switch
    {
        < 1024 => $"{byteCount} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / 1024.0:0.##} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (1024.0 * 1024):0.##} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{byteCount / (1024.0 * 1024 * 1024):0.##} GiB"),
    };
}
