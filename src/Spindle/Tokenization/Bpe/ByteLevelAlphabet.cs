namespace Spindle.Tokenization.Bpe;

/// <summary>
/// GPT-2's reversible byte ↔ character map: printable Latin-1 bytes stand for themselves, the other 68 bytes are moved
/// to U+0100.. in byte order, so every byte sequence is a string of visible characters (unicode.cpp, unicode_byte_to_utf8_map).
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly short[] CharToByte = BuildCharToByte();

    public static char Encode(byte b) => ByteToChar[b];

    /// <summary>The byte <paramref name="c"/> stands for, or -1 when it is not in the alphabet.</summary>
    public static int Decode(int c) => (uint)c < (uint)CharToByte.Length ? CharToByte[c] : -1;

    private static bool IsSelfMapped(int b) => b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = IsSelfMapped(b) ? (char)b : (char)next++;
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[256 + 68];
        map.AsSpan().Fill(-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }
}
