using System.Buffers.Binary;

namespace Spindle.Gguf;

/// <summary>A stream wrapper that counts the bytes written, so the writer knows its position on unseekable streams.</summary>
internal sealed class GgufByteSink(Stream stream)
{
    private static readonly byte[] Zeros = new byte[4096];

    public long Position { get; private set; }

    public Stream Stream => stream;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        Position += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        stream.WriteByte(value);
        Position++;
    }

    public void WriteUInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Write(b);
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Write(b);
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        Write(b);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public void PadTo(int alignment)
    {
        long padding = GgufHeaderParser.AlignUp(Position, alignment) - Position;
        while (padding > 0)
        {
            int n = (int)Math.Min(padding, Zeros.Length);
            Write(Zeros.AsSpan(0, n));
            padding -= n;
        }
    }
}
