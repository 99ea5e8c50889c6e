using System.Globalization;

namespace Spindle.Gguf;

/// <summary>
/// One metadata value. Scalars are held as their CLR type (byte, sbyte, ushort, short, uint, int, float, bool,
/// ulong, long, double, string); arrays as a <see cref="GgufArray"/>.
/// </summary>
public sealed class GgufValue
{
    public GgufValue(GgufValueType type, object value)
    {
        Type = type;
        Value = value;
    }

    public GgufValueType Type { get; }

    public object Value { get; }

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
