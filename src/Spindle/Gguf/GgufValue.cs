using System.Globalization;
using System.Text;

namespace Spindle.Gguf;

/// <summary>
/// One metadata value. Scalars are held as their CLR type (byte, sbyte, ushort, short, uint, int, float, bool,
/// ulong, long, double, string); arrays as a <see cref="GgufArray"/>.
/// </summary>
public sealed class GgufValue
{
    private object? _value;
    private readonly byte[]? _encodedString;

    public GgufValue(GgufValueType type, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Type = type;
        _value = value;
    }

    /// <summary>
    /// A string value still in the file's bytes: decoding waits for first use, so a parse allocates no more than the
    /// file holds, and bytes that are not valid UTF-8 survive a copy.
    /// </summary>
    internal GgufValue(byte[] encodedString)
    {
        Type = GgufValueType.String;
        _encodedString = encodedString;
    }

    public GgufValueType Type { get; }

    public object Value => _value ??= Encoding.UTF8.GetString(_encodedString!);

    /// <summary>The stored UTF-8 bytes of a string read from a file (null for values built in code).</summary>
    internal byte[]? EncodedString => _encodedString;

    public static GgufValue UInt8(byte v) => new(GgufValueType.UInt8, v);
    public static GgufValue Int8(sbyte v) => new(GgufValueType.Int8, v);
    public static GgufValue UInt16(ushort v) => new(GgufValueType.UInt16, v);
    public static GgufValue Int16(short v) => new(GgufValueType.Int16, v);
    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue String(string v) => new(GgufValueType.String, v);
    public static GgufValue UInt64(ulong v) => new(GgufValueType.UInt64, v);
    public static GgufValue Int64(long v) => new(GgufValueType.Int64, v);
    public static GgufValue Float64(double v) => new(GgufValueType.Float64, v);
    public static GgufValue Array(GgufArray v) => new(GgufValueType.Array, v);

    /// <summary>An array value whose element type follows from the CLR array (string[] → String, GgufArray[] → Array, ...).</summary>
    public static GgufValue Array(System.Array items) => Array(new GgufArray(GgufValueTypeInfo.ElementTypeOf(items), items));

    public bool IsInteger => Type is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16
        or GgufValueType.Int16 or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    public GgufArray AsArray() => Value as GgufArray
        ?? throw new InvalidOperationException($"metadata value is {Type}, not an array");

    public string AsString() => Value as string
        ?? throw new InvalidOperationException($"metadata value is {Type}, not a string");

    /// <summary>Any integer type as a long; converters write the same key as u32 or i32, so readers accept both.</summary>
    public bool TryGetInt64(out long result)
    {
        switch (Value)
        {
            case byte v: result = v; return true;
            case sbyte v: result = v; return true;
            case ushort v: result = v; return true;
            case short v: result = v; return true;
            case uint v: result = v; return true;
            case int v: result = v; return true;
            case long v: result = v; return true;
            case ulong v when v <= long.MaxValue: result = (long)v; return true;
            default: result = 0; return false;
        }
    }

    /// <summary>Any numeric type as a double.</summary>
    public bool TryGetDouble(out double result)
    {
        switch (Value)
        {
            case float f: result = f; return true;
            case double d: result = d; return true;
            case ulong u: result = u; return true;
            default:
                bool ok = TryGetInt64(out long l);
                result = l;
                return ok;
        }
    }

    public override string ToString() => Value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };
}
