namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// GPT-2's reversible byte ↔ character map: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100..
/// in byte order, so every byte string becomes printable text without spaces or controls.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharByByte = BuildCharByByte();
    private static readonly short[] ByteByChar = BuildByteByChar(); // index: char value < 0x200, -1 when unmapped

    public static char ToChar(byte b) => CharByByte[b];

    /// <summary>The byte a byte-level character stands for, or -1 for a character outside the alphabet.</summary>
    public static int ToByte(char c) => c < ByteByChar.Length ? ByteByChar[c] : -1;

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = CharByByte[bytes[i]];
        return new string(chars);
    }

    private static char[] BuildCharByByte()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildByteByChar()
    {
        var map = new short[0x200];
        map.AsSpan().Fill(-1);
        for (int b = 0; b < 256; b++) map[CharByByte[b]] = (short)b;
        return map;
    }
}
