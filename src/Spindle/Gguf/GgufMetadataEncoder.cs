using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Gguf;

/// <summary>Writes metadata keys and values in GGUF's little-endian encoding, checking that each value's CLR type matches its declared type.</summary>
internal sealed class GgufMetadataEncoder(GgufByteSink sink)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void WriteKeyValue(string key, GgufValue value)
    {
        WriteString(key);
        sink.WriteUInt32((uint)value.Type);
        WriteValue(key, value);
    }

    public void WriteString(string s)
    {
        // Strict: a lone surrogate would otherwise turn silently into U+FFFD.
        int byteCount = StrictUtf8.GetByteCount(s);
        sink.WriteUInt64((ulong)byteCount);
        if (byteCount <= 1024)
        {
            Span<byte> buffer = stackalloc byte[byteCount];
            StrictUtf8.GetBytes(s, buffer);
            sink.Write(buffer);
        }
        else
        {
            sink.Write(StrictUtf8.GetBytes(s));
        }
    }

    private void WriteEncodedString(byte[] bytes)
    {
        sink.WriteUInt64((ulong)bytes.Length);
        sink.Write(bytes);
    }

    private void WriteValue(string key, GgufValue value)
    {
        try
        {
            switch (value.Type)
            {
                case GgufValueType.UInt8: sink.WriteByte((byte)value.Value); break;
                case GgufValueType.Int8: sink.WriteByte((byte)(sbyte)value.Value); break;
                case GgufValueType.UInt16: sink.WriteUInt16((ushort)value.Value); break;
                case GgufValueType.Int16: sink.WriteUInt16((ushort)(short)value.Value); break;
                case GgufValueType.UInt32: sink.WriteUInt32((uint)value.Value); break;
                case GgufValueType.Int32: sink.WriteUInt32((uint)(int)value.Value); break;
                case GgufValueType.Float32: sink.WriteUInt32(BitConverter.SingleToUInt32Bits((float)value.Value)); break;
                case GgufValueType.Bool: sink.WriteByte((bool)value.Value ? (byte)1 : (byte)0); break;
                case GgufValueType.UInt64: sink.WriteUInt64((ulong)value.Value); break;
                case GgufValueType.Int64: sink.WriteUInt64((ulong)(long)value.Value); break;
                case GgufValueType.Float64: sink.WriteUInt64(BitConverter.DoubleToUInt64Bits((double)value.Value)); break;
                case GgufValueType.String:
                    if (value.EncodedString is { } encoded) WriteEncodedString(encoded);
                    else WriteString((string)value.Value);
                    break;
                case GgufValueType.Array: WriteArray(key, (GgufArray)value.Value, depth: 0); break;
                default: throw new ArgumentException($"metadata key '{key}': unknown value type {(uint)value.Type}");
            }
        }
        catch (InvalidCastException)
        {
            throw new ArgumentException($"metadata key '{key}' is declared {value.Type} but holds a {value.Value.GetType().Name}");
        }
    }

    private void WriteArray(string key, GgufArray array, int depth)
    {
        // The reader refuses deeper nesting; refusing it here keeps every written file readable.
        if (depth >= GgufHeaderParser.MaxArrayNesting)
            throw new ArgumentException($"metadata key '{key}' nests arrays deeper than {GgufHeaderParser.MaxArrayNesting} levels");
        sink.WriteUInt32((uint)array.ElementType);
        sink.WriteUInt64((ulong)array.Count);
        if (array.UntouchedEncoding is { } encoded)
        {
            sink.Write(encoded);
            return;
        }
        Array items = array.Items;
        if (GgufValueTypeInfo.ElementTypeOf(items) != array.ElementType)
            throw new ArgumentException($"metadata key '{key}': array declared {array.ElementType} holds {items.GetType().Name}");
        switch (items)
        {
            case string[] strings:
                foreach (string s in strings) WriteString(s ?? throw new ArgumentException($"metadata key '{key}': null string in array"));
                break;
            case GgufArray[] arrays:
                foreach (var inner in arrays) WriteArray(key, inner ?? throw new ArgumentException($"metadata key '{key}': null inner array"), depth + 1);
                break;
            case bool[] bools:
                foreach (bool b in bools) sink.WriteByte(b ? (byte)1 : (byte)0);
                break;
            default:
                // Fixed-size numbers: GGUF is little-endian, like every platform this library runs on.
                sink.Write(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(items),
                    items.Length * GgufValueTypeInfo.MinByteLength(array.ElementType)));
                break;
        }
    }
}
