namespace Spindle.Tokenization;

/// <summary>
/// llama.cpp's clean_spaces step of detokenize (on for many byte-level BPE vocabularies, off for SentencePiece): drops
/// the space before ? ! . , ; around a lone apostrophe between spaces; and before 's 'm 're 've. Works on UTF-8 bytes in place.
/// </summary>
internal static class DecodedSpaceCleaner
{
    /// <summary>Cleans <paramref name="text"/> in place and returns its new length.</summary>
    public static int Clean(Span<byte> text)
    {
        int length = RemoveSpaceBeforePunctuation(text);
        length = RemoveSpacesAroundLoneApostrophe(text[..length]);
        return RemoveSpaceBeforeContractions(text[..length]);
    }

    // Each pass reads every byte at its original position before any write could reach it: writes go to `kept` ≤ i.
    private static int RemoveSpaceBeforePunctuation(Span<byte> text)
    {
        if (text.IsEmpty) return 0;
        int kept = 1;
        byte before = text[0];
        for (int i = 1; i < text.Length; i++)
        {
            byte x = text[i];
            if (before == (byte)' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',') kept--;
            before = x;
            text[kept++] = x;
        }
        return kept;
    }

    // " ' " → "'": the apostrophe takes the place of the space before it and the space after it is skipped. llama.cpp
    // marks the skipped space as NUL, so it no longer counts as a space for the byte after it.
    private static int RemoveSpacesAroundLoneApostrophe(Span<byte> text)
    {
        if (text.IsEmpty) return 0;
        int kept = 1;
        byte before = text[0];
        for (int i = 1; i < text.Length; i++)
        {
            byte x = text[i];
            if (x == (byte)'\'' && i + 1 < text.Length && before == (byte)' ' && text[i + 1] == (byte)' ')
            {
                kept--;
                text[kept++] = x;
                i++; // skip the space after
                before = 0;
                continue;
            }
            before = x;
            text[kept++] = x;
        }
        return kept;
    }

    // " 's", " 'm", " 're", " 've" lose their space; " 't", " 'd", " 'll" and anything else keep it.
    private static int RemoveSpaceBeforeContractions(Span<byte> text)
    {
        if (text.IsEmpty) return 0;
        int kept = 1;
        byte before = text[0];
        for (int i = 1; i < text.Length; i++)
        {
            byte x = text[i];
            if (before == (byte)' ' && x == (byte)'\'' && i + 1 < text.Length)
            {
                byte x1 = text[i + 1];
                bool drop = x1 is (byte)'s' or (byte)'m'
                    || (x1 is not ((byte)'t' or (byte)'d') && i + 2 < text.Length
                        && ((x1 == (byte)'r' && text[i + 2] == (byte)'e') || (x1 == (byte)'v' && text[i + 2] == (byte)'e')));
                if (drop) kept--;
            }
            before = x;
            text[kept++] = x;
        }
        return kept;
    }
}
