using System.Buffers.Binary;
using System.Text;

namespace Spindle.Tests.Gguf;

/// <summary>Hand-assembles GGUF bytes, field by field, so tests can state exactly which field is wrong.</summary>
internal sealed class GgufBytes
{
    private readonly List<byte> _bytes = new();

    public int Length => _bytes.Count;

    public static GgufBytes Header(uint version, ulong tensorCount, ulong kvCount) =>
        new GgufBytes().Raw("GGUF"u8).U32(version).U64(tensorCount).U64(kvCount);

    public GgufBytes Raw(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) _bytes.Add(b);
        return this;
    }

    public GgufBytes U8(byte v) { _bytes.Add(v); return this; }

    public GgufBytes U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Raw(b);
    }

    public GgufBytes U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Raw(b);
    }

    public GgufBytes Str(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        return U64((ulong)utf8.Length).Raw(utf8);
    }

    /// <summary>A key and its u32 value: the smallest complete metadata entry.</summary>
    public GgufBytes KvU32(string key, uint value) => Str(key).U32(4).U32(value);

    public GgufBytes Tensor(string name, ulong[] dims, uint type, ulong offset)
    {
        Str(name).U32((uint)dims.Length);
        foreach (ulong d in dims) U64(d);
        return U32(type).U64(offset);
    }

    public GgufBytes PadTo(int alignment)
    {
        while (_bytes.Count % alignment != 0) _bytes.Add(0);
        return this;
    }

    public GgufBytes Zeros(int n)
    {
        for (int i = 0; i < n; i++) _bytes.Add(0);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();
}
