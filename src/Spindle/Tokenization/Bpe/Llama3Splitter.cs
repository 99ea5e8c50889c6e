namespace Spindle.Tokenization.Bpe;

/// <summary>
/// The Llama-3 pre-tokenizer regex
/// <c>(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// as a hand-written scanner (llama.cpp's unicode_regex_split_custom_llama3). With <c>maxDigits</c> 1 it is Qwen2's
/// regex (<c>\p{N}</c> instead of <c>\p{N}{1,3}</c>), which llama.cpp runs through std::regex; tests check both against a regex.
/// </summary>
internal sealed class Llama3Splitter(int maxDigits) : SplitStage
{
    public const string Llama3Pattern =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    public const string Llama3PatternCaseInsensitive =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    public const string Qwen2Pattern =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

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
            CodepointFlags f = flags[pos];
            if (cp == '\'' && pos + 1 < end)
            {
                int c1 = cps[pos + 1] | 0x20; // ASCII lower case; no other code point lowers to these letters
                if (c1 is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Gpt2Splitter.Emit(pieces, ref emitted, pos);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int c2 = cps[pos + 2] | 0x20;
                    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
                    {
                        pos += 3;
                        Gpt2Splitter.Emit(pieces, ref emitted, pos);
                        continue;
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (cp != '\r' && cp != '\n' && (f & CodepointFlags.Number) == 0
                && ((f & CodepointFlags.Letter) != 0 || (pos + 1 < end && (flags[pos + 1] & CodepointFlags.Letter) != 0)))
            {
                pos++;
                while (pos < end && (flags[pos] & CodepointFlags.Letter) != 0) pos++;
                Gpt2Splitter.Emit(pieces, ref emitted, pos);
                continue;
            }

            // \p{N}{1,maxDigits}
            if ((f & CodepointFlags.Number) != 0)
            {
                int limit = Math.Min(end, pos + maxDigits);
                pos++;
                while (pos < limit && (flags[pos] & CodepointFlags.Number) != 0) pos++;
                Gpt2Splitter.Emit(pieces, ref emitted, pos);
                continue;
            }

            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            int head = cp == ' ' ? pos + 1 : pos;
            if (head >= end ? cp == ' ' : (flags[head] & WordClasses) == 0)
            {
                pos = head;
                while (pos < end && (flags[pos] & WordClasses) == 0) pos++;
                while (pos < end && (cps[pos] == '\r' || cps[pos] == '\n')) pos++;
                Gpt2Splitter.Emit(pieces, ref emitted, pos);
                continue;
            }

            int spaces = 0;
            int afterLastNewline = -1;
            while (pos + spaces < end && (flags[pos + spaces] & CodepointFlags.Whitespace) != 0)
            {
                int c = cps[pos + spaces];
                if (c == '\r' || c == '\n') afterLastNewline = pos + spaces + 1;
                spaces++;
            }
            if (afterLastNewline >= 0) pos = afterLastNewline;            // \s*[\r\n]+
            else if (spaces > 1 && pos + spaces < end) pos += spaces - 1; // \s+(?!\S)
            else if (spaces > 0) pos += spaces;                           // \s+
            else pos++;
            Gpt2Splitter.Emit(pieces, ref emitted, pos);
        }
    }
}
