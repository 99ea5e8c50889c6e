using System.Buffers.Binary;
using System.Text;
using Spindle.Tensors.Blocks;
namespace Spindle.Gguf;

/// <summary>
/// Parses and validates a GGUF v2/v3 header from memory. Every count and length is checked against the bytes that
/// remain before anything is allocated, so a hostile file can make it allocate no more than the file's own size;
/// nesting of arrays is bounded so it cannot exhaust the stack. Every error names the byte offset.
/// </summary>
internal sealed unsafe class GgufHeaderParser
{
    public const uint Magic = 0x46554747; // "GGUF" read as little-endian u32
    public const int DefaultAlignment = 32;
    internal const int MaxArrayNesting = 8;
    private const int MaxDimensions = 4; // GGML_MAX_DIMS
    private const int MaxKeyByteLength = 65535; // GGUF spec: "at most 2^16-1 bytes"
    private const int MaxTensorNameByteLength = 63; // GGML_MAX_NAME (64) less the terminating NUL, as gguf.cpp checks

    private readonly byte* _data;
    private readonly long _length;
    private long _pos;

    private GgufHeaderParser(byte* data, long length)
    {
        _data = data;
        _length = length;
    }

    public static GgufHeader Parse(byte* data, long length) => new GgufHeaderParser(data, length).ParseHeader();

    public static GgufHeader Parse(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) return Parse(p, bytes.Length);
    }

    private long Remaining => _length - _pos;

    private GgufHeader ParseHeader()
    {
        if (_length < 4) throw Error(0, $"file is {_length} bytes, too short for the GGUF magic");
        uint magic = ReadUInt32();
        if (magic != Magic)
            throw Error(0, $"bad magic 0x{magic:X8} (expected \"GGUF\"); this is not a GGUF file");
        long versionAt = _pos;
        uint version = ReadUInt32();
        if (version == 1) throw Error(versionAt, "GGUF version 1 is not supported (32-bit counts); re-convert the model");
        if (version is not (2 or 3)) throw Error(versionAt, $"unsupported GGUF version {version} (supported: 2, 3)");

        long tensorCountAt = _pos;
        ulong tensorCount = ReadUInt64();
        long kvCountAt = _pos;
        ulong kvCount = ReadUInt64();

        // Each entry takes a minimum number of bytes; a count that could not fit in the rest of the file is a lie.
        const int minKvBytes = 8 + 4 + 1;
        const int minTensorBytes = 8 + 4 + 4 + 8;
        if (kvCount > (ulong)(Remaining / minKvBytes))
            throw Error(kvCountAt, $"metadata count {kvCount} cannot fit in the {Remaining} bytes that remain");
        if (tensorCount > (ulong)(Remaining / minTensorBytes))
            throw Error(tensorCountAt, $"tensor count {tensorCount} cannot fit in the {Remaining} bytes that remain");

        var metadata = new GgufMetadata();
        long alignmentAt = 0;
        for (ulong i = 0; i < kvCount; i++)
        {
            // The key is decoded only once its value has parsed: a smashed key length would otherwise cost a string
            // of twice that many bytes before the garbage after it is noticed.
            long keyAt = _pos;
            int keyByteLength = SkipName(MaxKeyByteLength, "metadata key");
            if (keyByteLength == 0) throw Error(keyAt, $"metadata entry {i} has an empty key");
            long typeAt = _pos;
            var type = (GgufValueType)ReadUInt32();
            if (!GgufValueTypeInfo.IsKnown(type)) throw Error(typeAt, $"metadata key {KeyText(keyAt)} has unknown value type {(uint)type}");
            long valueAt = _pos;
            GgufValue value = ReadValue(type, keyAt, depth: 0);
            string key = Encoding.UTF8.GetString(_data + keyAt + 8, keyByteLength);
            if (!metadata.TryAdd(key, value)) throw Error(keyAt, $"duplicate metadata key {KeyText(keyAt)}");
            if (key == GgufKeys.Alignment) alignmentAt = valueAt;
        }

        int alignment = DefaultAlignment;
        if (metadata.TryGetValue(GgufKeys.Alignment, out var alignValue))
        {
            if (alignValue.Value is not uint a || a == 0 || (a & (a - 1)) != 0 || a > (1u << 30))
                throw Error(alignmentAt, $"{GgufKeys.Alignment} must be a u32 power of two, got {alignValue.Type} {alignValue}");
            alignment = (int)a;
        }

        var tensors = new GgufTensorInfo[tensorCount];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            long infoAt = _pos;
            string name = ReadName(MaxTensorNameByteLength, "tensor name");
            if (!names.Add(name)) throw Error(infoAt, $"duplicate tensor name '{name}'");
            long dimsAt = _pos;
            uint nDims = ReadUInt32();
            if (nDims > MaxDimensions) throw Error(dimsAt, $"tensor '{name}' has {nDims} dimensions (at most {MaxDimensions})");
            var dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                long dimAt = _pos;
                ulong dim = ReadUInt64();
                if (dim > long.MaxValue) throw Error(dimAt, $"tensor '{name}' dimension {d} = {dim} is out of range");
                dims[d] = (long)dim;
                if (dims[d] != 0 && elements > long.MaxValue / dims[d])
                    throw Error(dimAt, $"tensor '{name}' shape overflows a 64-bit element count");
                elements *= dims[d];
            }
            long typeAt = _pos;
            var ttype = (GgmlType)ReadUInt32();
            if (!GgmlTypeInfo.IsKnown(ttype)) throw Error(typeAt, $"tensor '{name}' has unknown tensor type {(uint)ttype}");
            int blockSize = GgmlTypeInfo.BlockSize(ttype);
            if (nDims > 0 && dims[0] % blockSize != 0)
                throw Error(dimsAt, $"tensor '{name}' row length {dims[0]} is not a multiple of the {GgmlTypeInfo.Name(ttype)} block size {blockSize}");
            long byteLength = GgmlTypeInfo.ByteLength(ttype, elements);
            if (byteLength < 0) throw Error(dimsAt, $"tensor '{name}' of {elements} elements of type {GgmlTypeInfo.Name(ttype)} has no valid byte size");
            long offsetAt = _pos;
            ulong offset = ReadUInt64();
            if (offset % (ulong)alignment != 0)
                throw Error(offsetAt, $"tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}");
            if (offset > long.MaxValue) throw Error(offsetAt, $"tensor '{name}' data offset {offset} is out of range");
            tensors[i] = new GgufTensorInfo(name, ttype, dims, (long)offset, byteLength);
        }

        long dataOffset = AlignUp(_pos, alignment);
        if (tensorCount > 0 && dataOffset > _length)
            throw Error(_pos, $"data section would start at {dataOffset}, past the end of the {_length}-byte file");
        long dataLength = Math.Max(0, _length - dataOffset);
        CheckTensorPlacement(tensors, dataOffset, dataLength);

        return new GgufHeader
        {
            Version = version,
            Metadata = metadata,
            Tensors = tensors,
            Alignment = alignment,
            DataOffset = dataOffset,
        };
    }

    private static void CheckTensorPlacement(GgufTensorInfo[] tensors, long dataOffset, long dataLength)
    {
        foreach (var t in tensors)
        {
            if (t.Offset > dataLength || t.ByteLength > dataLength - t.Offset)
                throw Error(SaturatingAdd(dataOffset, t.Offset),
                    $"tensor '{t.Name}' data [{t.Offset}, {(decimal)t.Offset + t.ByteLength}) runs past the end of the {dataLength}-byte data section");
        }
        var byOffset = (GgufTensorInfo[])tensors.Clone();
        Array.Sort(byOffset, static (a, b) => a.Offset.CompareTo(b.Offset));
        for (int i = 1; i < byOffset.Length; i++)
        {
            var prev = byOffset[i - 1];
            var cur = byOffset[i];
            if (prev.ByteLength > 0 && cur.ByteLength > 0 && cur.Offset < prev.Offset + prev.ByteLength)
                throw Error(dataOffset + cur.Offset, $"tensor '{cur.Name}' overlaps tensor '{prev.Name}'");
        }
    }

    private GgufValue ReadValue(GgufValueType type, long keyAt, int depth)
    {
        return type switch
        {
            GgufValueType.UInt8 => new GgufValue(type, ReadByte()),
            GgufValueType.Int8 => new GgufValue(type, (sbyte)ReadByte()),
            GgufValueType.UInt16 => new GgufValue(type, ReadUInt16()),
            GgufValueType.Int16 => new GgufValue(type, (short)ReadUInt16()),
            GgufValueType.UInt32 => new GgufValue(type, ReadUInt32()),
            GgufValueType.Int32 => new GgufValue(type, (int)ReadUInt32()),
            GgufValueType.Float32 => new GgufValue(type, BitConverter.Int32BitsToSingle((int)ReadUInt32())),
            GgufValueType.Bool => new GgufValue(type, ReadBool(keyAt)),
            GgufValueType.String => new GgufValue(ReadStringBytes()),
            GgufValueType.UInt64 => new GgufValue(type, ReadUInt64()),
            GgufValueType.Int64 => new GgufValue(type, (long)ReadUInt64()),
            GgufValueType.Float64 => new GgufValue(type, BitConverter.Int64BitsToDouble((long)ReadUInt64())),
            GgufValueType.Array => new GgufValue(type, ReadArray(keyAt, depth)),
            _ => throw Error(_pos, $"metadata key {KeyText(keyAt)} has unknown value type {(uint)type}"),
        };
    }

    private GgufArray ReadArray(long keyAt, int depth)
    {
        var (elementType, n) = ReadArrayPrefix(keyAt, depth);
        switch (elementType)
        {
            case GgufValueType.UInt8: return new GgufArray(elementType, ReadBlock<byte>(n));
            case GgufValueType.Int8: return new GgufArray(elementType, ReadBlock<sbyte>(n));
            case GgufValueType.UInt16: return new GgufArray(elementType, ReadBlock<ushort>(n));
            case GgufValueType.Int16: return new GgufArray(elementType, ReadBlock<short>(n));
            case GgufValueType.UInt32: return new GgufArray(elementType, ReadBlock<uint>(n));
            case GgufValueType.Int32: return new GgufArray(elementType, ReadBlock<int>(n));
            case GgufValueType.Float32: return new GgufArray(elementType, ReadBlock<float>(n));
            case GgufValueType.UInt64: return new GgufArray(elementType, ReadBlock<ulong>(n));
            case GgufValueType.Int64: return new GgufArray(elementType, ReadBlock<long>(n));
            case GgufValueType.Float64: return new GgufArray(elementType, ReadBlock<double>(n));
            case GgufValueType.Bool:
            {
                var items = new bool[n];
                for (int i = 0; i < n; i++) items[i] = ReadBool(keyAt);
                return new GgufArray(elementType, items);
            }
            default:
            {
                // Strings and nested arrays: validate every length now, keep the bytes, decode on first use.
                long elementsAt = _pos;
                SkipElements(keyAt, elementType, n, depth);
                long byteLength = _pos - elementsAt;
                if (byteLength > Array.MaxLength)
                    throw Error(elementsAt, $"metadata key {KeyText(keyAt)}: array of {byteLength} bytes is too large");
                byte[] encoded = new ReadOnlySpan<byte>(_data + elementsAt, (int)byteLength).ToArray();
                return new GgufArray(elementType, n, encoded);
            }
        }
    }

    /// <summary>Reads an array's element type and count and checks that the count can fit in what remains.</summary>
    private (GgufValueType ElementType, int Count) ReadArrayPrefix(long keyAt, int depth)
    {
        long at = _pos;
        if (depth >= MaxArrayNesting) throw Error(at, $"metadata key {KeyText(keyAt)} nests arrays deeper than {MaxArrayNesting} levels");
        var elementType = (GgufValueType)ReadUInt32();
        if (!GgufValueTypeInfo.IsKnown(elementType)) throw Error(at, $"metadata key {KeyText(keyAt)} is an array of unknown type {(uint)elementType}");
        long countAt = _pos;
        ulong count = ReadUInt64();
        int minBytes = GgufValueTypeInfo.MinByteLength(elementType);
        if (count > (ulong)(Remaining / minBytes))
            throw Error(countAt, $"metadata key {KeyText(keyAt)}: array of {count} {elementType} values cannot fit in the {Remaining} bytes that remain");
        if (count > (ulong)Array.MaxLength) throw Error(countAt, $"metadata key {KeyText(keyAt)}: array of {count} values is too long");
        return (elementType, (int)count);
    }

    /// <summary>Validates <paramref name="count"/> stored elements and moves past them, allocating nothing.</summary>
    private void SkipElements(long keyAt, GgufValueType type, int count, int depth)
    {
        switch (type)
        {
            case GgufValueType.String:
                for (int i = 0; i < count; i++) SkipString();
                break;
            case GgufValueType.Array:
                for (int i = 0; i < count; i++)
                {
                    var (innerType, innerCount) = ReadArrayPrefix(keyAt, depth + 1);
                    SkipElements(keyAt, innerType, innerCount, depth + 1);
                }
                break;
            case GgufValueType.Bool:
                for (int i = 0; i < count; i++) ReadBool(keyAt);
                break;
            default:
                long byteCount = (long)count * GgufValueTypeInfo.MinByteLength(type);
                Need(byteCount);
                _pos += byteCount;
                break;
        }
    }

    private void SkipString()
    {
        long at = _pos;
        ulong length = ReadUInt64();
        if (length > (ulong)Remaining)
            throw Error(at, $"string length {length} runs past the end of the file ({Remaining} bytes remain)");
        _pos += (long)length;
    }

    private T[] ReadBlock<T>(int count) where T : unmanaged
    {
        long byteCount = (long)count * sizeof(T);
        Need(byteCount);
        var result = new T[count];
        // GGUF is little-endian, as is every machine .NET runs this library on.
        new ReadOnlySpan<byte>(_data + _pos, (int)byteCount).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        _pos += byteCount;
        return result;
    }

    private bool ReadBool(long keyAt)
    {
        long at = _pos;
        byte b = ReadByte();
        if (b > 1) throw Error(at, $"metadata key {KeyText(keyAt)}: bool value {b} is neither 0 nor 1");
        return b == 1;
    }

    private byte[] ReadStringBytes()
    {
        long at = _pos;
        ulong length = ReadUInt64();
        if (length > (ulong)Remaining)
            throw Error(at, $"string length {length} runs past the end of the file ({Remaining} bytes remain)");
        if (length > (ulong)Array.MaxLength) throw Error(at, $"string length {length} is too long");
        byte[] bytes = new ReadOnlySpan<byte>(_data + _pos, (int)length).ToArray();
        _pos += (long)length;
        return bytes;
    }

    /// <summary>Moves past a bounded name and returns its byte length, decoding nothing.</summary>
    private int SkipName(int maxByteLength, string what)
    {
        long at = _pos;
        ulong length = ReadUInt64();
        if (length > (ulong)maxByteLength)
            throw Error(at, $"{what} length {length} exceeds the limit of {maxByteLength} bytes");
        Need((long)length);
        _pos += (long)length;
        return (int)length;
    }

    /// <summary>The key stored at <paramref name="keyAt"/>, quoted and cut short for an error message.</summary>
    private string KeyText(long keyAt)
    {
        const int maxShown = 64;
        long length = (long)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_data + keyAt, 8));
        string shown = Encoding.UTF8.GetString(_data + keyAt + 8, (int)Math.Min(length, maxShown));
        return length > maxShown ? $"'{shown}…' ({length} bytes)" : $"'{shown}'";
    }

    /// <summary>A key or tensor name: bounded (the GGUF spec caps keys at 65,535 bytes, ggml names at 63).</summary>
    private string ReadName(int maxByteLength, string what)
    {
        long at = _pos;
        ulong length = ReadUInt64();
        if (length > (ulong)maxByteLength)
            throw Error(at, $"{what} length {length} exceeds the limit of {maxByteLength} bytes");
        _pos = at;
        return ReadString();
    }

    private string ReadString()
    {
        long at = _pos;
        ulong length = ReadUInt64();
        if (length > (ulong)Remaining)
            throw Error(at, $"string length {length} runs past the end of the file ({Remaining} bytes remain)");
        if (length > int.MaxValue) throw Error(at, $"string length {length} is too long");
        string s = Encoding.UTF8.GetString(_data + _pos, (int)length);
        _pos += (long)length;
        return s;
    }

    private byte ReadByte()
    {
        Need(1);
        return _data[_pos++];
    }

    private ushort ReadUInt16()
    {
        Need(2);
        ushort v = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(_data + _pos, 2));
        _pos += 2;
        return v;
    }

    private uint ReadUInt32()
    {
        Need(4);
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_data + _pos, 4));
        _pos += 4;
        return v;
    }

    private ulong ReadUInt64()
    {
        Need(8);
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_data + _pos, 8));
        _pos += 8;
        return v;
    }

    private void Need(long byteCount)
    {
        if (byteCount > Remaining)
            throw Error(_pos, $"file is truncated: needed {byteCount} more bytes, {Remaining} remain");
    }

    private static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    internal static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static GgufFormatException Error(long offset, string problem) => new(offset, problem);
}
