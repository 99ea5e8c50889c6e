namespace Spindle.Constraints.Vocabulary;

/// <summary>
/// A validator for well-formed UTF-8 (Unicode Table 3-7: no overlongs, surrogates or code points past U+10FFFF) as a
/// tiny automaton over an int state: 0 = at a character boundary, -1 = ill-formed, otherwise the bytes still owed by
/// the current character and the range its next byte must lie in.
/// </summary>
public static class Utf8Prefix
{
    public const int Boundary = 0, Invalid = -1;

    /// <summary>The state after <paramref name="value"/>.</summary>
    public static int Step(int state, byte value)
    {
        if (state < 0) return Invalid;
        if (state == Boundary)
        {
            return value switch
            {
                < 0x80 => Boundary,
                < 0xC2 => Invalid,
                < 0xE0 => Owe(1, 0x80, 0xBF),
                0xE0 => Owe(2, 0xA0, 0xBF),
                0xED => Owe(2, 0x80, 0x9F),
                < 0xF0 => Owe(2, 0x80, 0xBF),
                0xF0 => Owe(3, 0x90, 0xBF),
                < 0xF4 => Owe(3, 0x80, 0xBF),
                0xF4 => Owe(3, 0x80, 0x8F),
                _ => Invalid,
            };
        }
        int owed = state >> 16;
        if (value < Low(state) || value > High(state)) return Invalid;
        return owed == 1 ? Boundary : Owe(owed - 1, 0x80, 0xBF);
    }

    /// <summary>Smallest byte that may come next in a character (state neither boundary nor invalid).</summary>
    public static byte Low(int state) => (byte)(state >> 8);

    /// <summary>Largest byte that may come next in a character (state neither boundary nor invalid).</summary>
    public static byte High(int state) => (byte)state;

    private static int Owe(int bytes, int low, int high) => bytes << 16 | low << 8 | high;
}
