using System.Globalization;
using Spindle.Tokenization.HuggingFace;

namespace Spindle.Tokenization.WordPiece;

/// <summary>How llama.cpp's WPM preprocessing treats one (already NFD-mapped) code point.</summary>
internal enum WordPieceCharClass
{
    /// <summary>Part of the current word.</summary>
    Word,
    /// <summary>Ends the current word and is dropped.</summary>
    Whitespace,
    /// <summary>Dropped without ending the word (NUL, U+FFFD, control/format/private-use/surrogate).</summary>
    Skipped,
    /// <summary>A word on its own: punctuation, ASCII symbols and CJK ideographs.</summary>
    Isolated,
}

internal static class WordPieceCharClassifier
{
    public static WordPieceCharClass Classify(int cp)
    {
        if (IsWhitespace(cp)) return WordPieceCharClass.Whitespace;
        if (cp == 0 || cp == 0xFFFD) return WordPieceCharClass.Skipped;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        switch (category)
        {
            case UnicodeCategory.Control:
            case UnicodeCategory.Format:
            case UnicodeCategory.PrivateUse:
            case UnicodeCategory.Surrogate:
                return WordPieceCharClass.Skipped;
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
                return WordPieceCharClass.Isolated;
            case UnicodeCategory.MathSymbol:
            case UnicodeCategory.CurrencySymbol:
            case UnicodeCategory.ModifierSymbol:
            case UnicodeCategory.OtherSymbol:
                return cp < 0x7F ? WordPieceCharClass.Isolated : WordPieceCharClass.Word;
        }
        return IsChineseChar(cp) ? WordPieceCharClass.Isolated : WordPieceCharClass.Word;
    }

    /// <summary>llama.cpp's whitespace set: Unicode's White_Space property.</summary>
    public static bool IsWhitespace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    // The CJK blocks BERT's BasicTokenizer isolates; 0x2B920 (not 0x2B820) follows HF's Rust code, as llama.cpp does.
    public static bool IsChineseChar(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x20000 && cp <= 0x2A6DF) ||
        (cp >= 0x2A700 && cp <= 0x2B73F) ||
        (cp >= 0x2B740 && cp <= 0x2B81F) ||
        (cp >= 0x2B920 && cp <= 0x2CEAF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x2F800 && cp <= 0x2FA1F);

    /// <summary>llama.cpp's per-code-point NFD (first code point of the decomposition) followed by its lowercase.</summary>
    public static int MapCodePoint(int cp) => UnicodeTables.FirstOfCanonicalDecomposition(cp);

    public static int Lower(int cp) => UnicodeTables.ToLowerFirst(cp);
}
