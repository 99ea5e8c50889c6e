namespace Spindle.Tokenization.Bpe;

/// <summary><c>[class]+</c>: every maximal run of the class is a piece.</summary>
internal sealed class RunSplitter(CodepointClass cls) : SplitStage
{
    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        int[] cps = text.Codepoints;
        CodepointFlags[] flags = text.Flags;
        int emitted = start;
        int pos = start;
        while (pos < end)
        {
            if (!cls.Contains(cps[pos], flags[pos])) { pos++; continue; }
            Gpt2Splitter.Emit(pieces, ref emitted, pos);
            pos++;
            while (pos < end && cls.Contains(cps[pos], flags[pos])) pos++;
            Gpt2Splitter.Emit(pieces, ref emitted, pos);
        }
        Gpt2Splitter.Emit(pieces, ref emitted, end);
    }
}

/// <summary><c>[class]</c>: every code point of the class is a piece of its own.</summary>
internal sealed class SingleSplitter(CodepointClass cls) : SplitStage
{
    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        int[] cps = text.Codepoints;
        CodepointFlags[] flags = text.Flags;
        int emitted = start;
        for (int pos = start; pos < end; pos++)
        {
            if (!cls.Contains(cps[pos], flags[pos])) continue;
            Gpt2Splitter.Emit(pieces, ref emitted, pos);
            Gpt2Splitter.Emit(pieces, ref emitted, pos + 1);
        }
        Gpt2Splitter.Emit(pieces, ref emitted, end);
    }
}

/// <summary><c>\s?[class]+</c>: a run of the class, with the one whitespace code point before it.</summary>
internal sealed class SpacePrefixedRunSplitter(CodepointClass cls) : SplitStage
{
    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        int[] cps = text.Codepoints;
        CodepointFlags[] flags = text.Flags;
        int emitted = start;
        int pos = start;
        while (pos < end)
        {
            int matchStart = pos;
            if (!cls.Contains(cps[pos], flags[pos]))
            {
                bool spaceThenClass = (flags[pos] & CodepointFlags.Whitespace) != 0 && pos + 1 < end
                    && cls.Contains(cps[pos + 1], flags[pos + 1]);
                if (!spaceThenClass) { pos++; continue; }
                pos++;
            }
            pos++;
            while (pos < end && cls.Contains(cps[pos], flags[pos])) pos++;
            Gpt2Splitter.Emit(pieces, ref emitted, matchStart);
            Gpt2Splitter.Emit(pieces, ref emitted, pos);
        }
        Gpt2Splitter.Emit(pieces, ref emitted, end);
    }
}

/// <summary><c>\s+$</c>: whitespace that ends the chunk is a piece.</summary>
internal sealed class TrailingWhitespaceSplitter : SplitStage
{
    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        CodepointFlags[] flags = text.Flags;
        int tail = end;
        while (tail > start && (flags[tail - 1] & CodepointFlags.Whitespace) != 0) tail--;
        if (tail > start) pieces.Add(tail - start);
        if (end > tail) pieces.Add(end - tail);
    }
}

/// <summary><c>[0-9][0-9][0-9]</c>: leftmost non-overlapping groups of three ASCII digits.</summary>
internal sealed class DigitTripletSplitter : SplitStage
{
    public override void SplitChunk(CodepointText text, int start, int end, List<int> pieces)
    {
        int[] cps = text.Codepoints;
        int emitted = start;
        int pos = start;
        while (pos + 3 <= end)
        {
            if (IsDigit(cps[pos]) && IsDigit(cps[pos + 1]) && IsDigit(cps[pos + 2]))
            {
                Gpt2Splitter.Emit(pieces, ref emitted, pos);
                pos += 3;
                Gpt2Splitter.Emit(pieces, ref emitted, pos);
            }
            else
            {
                pos++;
            }
        }
        Gpt2Splitter.Emit(pieces, ref emitted, end);
    }

    private static bool IsDigit(int cp) => (uint)(cp - '0') <= 9;
}
