using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Gguf;

/// <summary>
/// Turns the stored elements of a string array or an array of arrays into CLR objects. The parser has already
/// validated every length in the bytes, so this trusts them (a span's bounds checks still catch a broken invariant).
/// </summary>
internal static class GgufArrayDecoder
{
    public static Array Decode(GgufValueType elementType, int count, byte[] encoded)
    {
        int pos = 0;
        Array items = DecodeElements(elementType, count, encoded, ref pos);
        if (pos != encoded.Length) throw new InvalidOperationException($"array encoding has {encoded.Length - pos} stray bytes");
        return items;
    }

    private static Array DecodeElements(GgufValueType type, int count, ReadOnlySpan<byte> bytes, ref int pos)
    {
        switch (type)
        {
            case GgufValueType.String:
            {
                var items = new string[count];
                for (int i = 0; i < count; i++)
                {
                    int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(pos, 8)));
                    items[i] = Encoding.UTF8.GetString(bytes.Slice(pos + 8, length));
                    pos += 8 + length;
                }
                return items;
            }
            case GgufValueType.Array:
            {
                var items = new GgufArray[count];
                for (int i = 0; i < count; i++)
                {
                    var innerType = (GgufValueType)BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(pos, 4));
                    int innerCount = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(pos + 4, 8)));
                    pos += 12;
                    items[i] = new GgufArray(innerType, DecodeElements(innerType, innerCount, bytes, ref pos));
                }
                return items;
            }
            case GgufValueType.Bool:
            {
                var items = new bool[count];
                for (int i = 0; i < count; i++) items[i] = bytes[pos + i] != 0;
                pos += count;
                return items;
            }
            case GgufValueType.UInt8: return Block<byte>(count, bytes, ref pos);
            case GgufValueType.Int8: return Block<sbyte>(count, bytes, ref pos);
            case GgufValueType.UInt16: return Block<ushort>(count, bytes, ref pos);
            case GgufValueType.Int16: return Block<short>(count, bytes, ref pos);
            case GgufValueType.UInt32: return Block<uint>(count, bytes, ref pos);
            case GgufValueType.Int32: return Block<int>(count, bytes, ref pos);
            case GgufValueType.Float32: return Block<float>(count, bytes, ref pos);
            case GgufValueType.UInt64: return Block<ulong>(count, bytes, ref pos);
            case GgufValueType.Int64: return Block<long>(count, bytes, ref pos);
            case GgufValueType.Float64: return Block<double>(count, bytes, ref pos);
            default: throw new InvalidOperationException($"unknown GGUF value type {(uint)type}");
        }
    }

    private static T[] Block<T>(int count, ReadOnlySpan<byte> bytes, ref int pos) where T : unmanaged
    {
        var items = new T[count];
        var target = MemoryMarshal.AsBytes(items.AsSpan());
        bytes.Slice(pos, target.Length).CopyTo(target);
        pos += target.Length;
        return items;
    }
}
