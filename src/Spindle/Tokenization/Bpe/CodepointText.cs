namespace Spindle.Tokenization.Bpe;

/// <summary>
/// A piece of text decoded to code points, with each code point's <see cref="CodepointFlags"/> and its offset in the
/// UTF-16 input. Pre-tokenizers split on code point positions as llama.cpp does; words are then cut from the input by
/// char offset. Lone surrogates read as U+FFFD, as llama.cpp reads invalid UTF-8. Reused between calls of one thread.
/// </summary>
internal sealed class CodepointText
{
    public int[] Codepoints = [];
    public CodepointFlags[] Flags = [];
    public int[] CharStart = []; // Count + 1 entries; the last is the input length
    public int Count;

    public void Load(ReadOnlySpan<char> text)
    {
        if (CharStart.Length <= text.Length)
        {
            int size = Math.Max(text.Length, 256);
            Codepoints = new int[size];
            Flags = new CodepointFlags[size];
            CharStart = new int[size + 1];
        }
        int[] cps = Codepoints;
        CodepointFlags[] flags = Flags;
        int[] starts = CharStart;
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            starts[n] = i;
            if ((uint)(cp - 0xD800) < 0x800u)
            {
                if (cp < 0xDC00 && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    cp = char.ConvertToUtf32((char)cp, text[i + 1]);
                    i++;
                }
                else
                {
                    cp = 0xFFFD;
                }
            }
            cps[n] = cp;
            flags[n] = CodepointTable.Of(cp);
            n++;
        }
        starts[n] = text.Length;
        Count = n;
    }
}
