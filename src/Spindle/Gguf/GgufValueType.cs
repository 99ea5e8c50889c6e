namespace Spindle.Gguf;

/// <summary>Metadata value types, with the numbers GGUF stores (gguf.h, enum gguf_type).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

internal static class GgufValueTypeInfo
{
    /// <summary>Bytes one value takes in the file at the least (a string: its 8-byte length; an array: type + count).</summary>
    public static int MinByteLength(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => 0,
    };

    public static bool IsKnown(GgufValueType type) => MinByteLength(type) != 0;

    /// <summary>The GGUF type whose values a CLR array of this element type holds.</summary>
    /// <remarks>Compares exact types: the CLR lets an int[] pass as uint[] (and sbyte[] as byte[]) in a type test.</remarks>
    public static GgufValueType ElementTypeOf(Array items)
    {
        Type t = items.GetType();
        if (t == typeof(byte[])) return GgufValueType.UInt8;
        if (t == typeof(sbyte[])) return GgufValueType.Int8;
        if (t == typeof(ushort[])) return GgufValueType.UInt16;
        if (t == typeof(short[])) return GgufValueType.Int16;
        if (t == typeof(uint[])) return GgufValueType.UInt32;
        if (t == typeof(int[])) return GgufValueType.Int32;
        if (t == typeof(float[])) return GgufValueType.Float32;
        if (t == typeof(bool[])) return GgufValueType.Bool;
        if (t == typeof(string[])) return GgufValueType.String;
        if (t == typeof(GgufArray[])) return GgufValueType.Array;
        if (t == typeof(ulong[])) return GgufValueType.UInt64;
        if (t == typeof(long[])) return GgufValueType.Int64;
        if (t == typeof(double[])) return GgufValueType.Float64;
        throw new ArgumentException($"{t.Name} is not a GGUF array type", nameof(items));
    }
}
