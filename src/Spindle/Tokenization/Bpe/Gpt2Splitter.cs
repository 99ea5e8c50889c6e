namespace Spindle.Tokenization.Bpe;

/// <summary>
/// GPT-2's pre-tokenizer regex <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)</c> as a
/// hand-written scanner, following llama.cpp's unicode_regex_split_custom_gpt2 decision for decision.
/// </summary>
internal sealed class Gpt2Splitter : SplitStage
{
    public const string Pattern = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    private const CodepointFlags WordClasses = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        int[] cps = text.Codepoints;
        CodepointFlags[] flags = text.Flags;
        int emitted = start;
        int pos = start;
        while (pos < end)
        {
            int cp = cps[pos];
            if (cp == '\'' && pos + 1 < end)
            {
                int c1 = cps[pos + 1];
                if (c1 is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Emit(pieces, ref emitted, pos);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int c2 = cps[pos + 2];
                    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                    {
                        pos += 3;
                        Emit(pieces, ref emitted, pos);
                        continue;
                    }
                }
            }

            // The optional leading space of " ?X+" looks one code point ahead.
            int head = cp == ' ' ? pos + 1 : pos;
            if (head < end)
            {
                CodepointFlags f = flags[head];
                if ((f & CodepointFlags.Letter) != 0)
                {
                    pos = head + 1;
                    while (pos < end && (flags[pos] & CodepointFlags.Letter) != 0) pos++;
                    Emit(pieces, ref emitted, pos);
                    continue;
                }
                if ((f & CodepointFlags.Number) != 0)
                {
                    pos = head + 1;
                    while (pos < end && (flags[pos] & CodepointFlags.Number) != 0) pos++;
                    Emit(pieces, ref emitted, pos);
                    continue;
                }
                if ((f & WordClasses) == 0)
                {
                    pos = head + 1;
                    while (pos < end && (flags[pos] & WordClasses) == 0) pos++;
                    Emit(pieces, ref emitted, pos);
                    continue;
                }
            }

            int spaces = 0;
            while (pos + spaces < end && (flags[pos + spaces] & CodepointFlags.Whitespace) != 0) spaces++;
            if (spaces > 1 && pos + spaces < end)
            {
                // \s+(?!\S): leave the last space to prefix the next word.
                pos += spaces - 1;
            }
            else if (spaces > 0)
            {
                pos += spaces;
            }
            else
            {
                pos++;
            }
            Emit(pieces, ref emitted, pos);
        }
    }

    internal static void Emit(List<int> pieces, ref int emitted, int end)
    {
        if (end > emitted) pieces.Add(end - emitted);
        emitted = end;
    }
}
