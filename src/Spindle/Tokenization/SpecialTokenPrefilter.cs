namespace Spindle.Tokenization;

/// <summary>
/// Which characters, character pairs and 4-character runs occur in a text (pairs and runs hashed into bitmaps, so
/// "may occur"), letting <see cref="SpecialTokenPartitioner"/> skip most of a large special-token list without
/// scanning the text once per token: deepseek vocabularies carry ~2,400 user-defined tokens ("[PAD100015]", ...), and
/// one ordinal search per token over a long text dominated their encode time. No false negatives.
/// </summary>
internal sealed class SpecialTokenPrefilter
{
    private const int PairBits = 20;
    private const int QuadBits = 24;
    private readonly ulong[] _chars = new ulong[0x10000 / 64];
    private readonly ulong[] _pairs = new ulong[(1 << PairBits) / 64];
    private readonly ulong[] _quads = new ulong[(1 << QuadBits) / 64];

    public SpecialTokenPrefilter(string text)
    {
        ulong window = 0; // the last four chars, 16 bits each
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            window = (window << 16) | c;
            Set(_chars, c);
            if (i >= 1) Set(_pairs, Hash((uint)window, PairBits));
            if (i >= 3) Set(_quads, Hash(window, QuadBits));
        }
    }

    /// <summary>Worth building when the text is long and the token list is big.</summary>
    public static bool Pays(int textLength, int specialCount) => textLength >= 4096 && specialCount >= 32;

    public bool MayContain(string token)
    {
        if (token.Length == 0) return false;
        ulong window = 0;
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            window = (window << 16) | c;
            if (!IsSet(_chars, c)) return false;
            if (i >= 1 && !IsSet(_pairs, Hash((uint)window, PairBits))) return false;
            if (i >= 3 && !IsSet(_quads, Hash(window, QuadBits))) return false;
        }
        return true;
    }

    private static int Hash(ulong key, int bits) => (int)((key * 0x9E3779B97F4A7C15UL) >> (64 - bits));

    private static void Set(ulong[] bitmap, int index) => bitmap[index >> 6] |= 1UL << index;

    private static bool IsSet(ulong[] bitmap, int index) => (bitmap[index >> 6] & (1UL << index)) != 0;
}
