using System.Globalization;

namespace Spindle.Tokenization.Bpe;

/// <summary>
/// The Unicode classes llama.cpp's pre-tokenizer regexes ask about (unicode.h, unicode_cpt_flags): one general category
/// (letter, number, punctuation, mark, symbol, or none of them) plus whether the code point is whitespace.
/// </summary>
[Flags]
internal enum CodepointFlags : byte
{
    None = 0,
    Whitespace = 1,
    Letter = 2,
    Number = 4,
    Punctuation = 8,
    Mark = 16,
    Symbol = 32,
}

/// <summary>Code point → <see cref="CodepointFlags"/>, from .NET's Unicode tables and llama.cpp's whitespace set.</summary>
internal static class CodepointTable
{
    // Indexed by BMP code point; supplementary planes are computed on demand (rare in practice).
    private static readonly CodepointFlags[] Bmp = BuildBmp();

    public static CodepointFlags Of(int codepoint) =>
        (uint)codepoint < 0x10000u ? Bmp[codepoint] : Compute(codepoint);

    private static CodepointFlags[] BuildBmp()
    {
        var table = new CodepointFlags[0x10000];
        for (int cp = 0; cp < table.Length; cp++) table[cp] = Compute(cp);
        return table;
    }

    private static CodepointFlags Compute(int cp)
    {
        if ((uint)cp > 0x10FFFF) return CodepointFlags.None;
        var flags = CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointFlags.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointFlags.Number,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointFlags.Mark,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointFlags.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodepointFlags.Symbol,
            _ => CodepointFlags.None,
        };
        if (IsLlamaWhitespace(cp)) flags |= CodepointFlags.Whitespace;
        return flags;
    }

    // unicode-data.cpp's unicode_set_whitespace: what \s means to every llama.cpp pre-tokenizer.
    private static bool IsLlamaWhitespace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>
    /// The one character llama.cpp's unicode_regex_split collapses a code point to before running a regex that uses
    /// \p{..}: ASCII stays itself, other whitespace becomes \v, other code points become a stand-in per category.
    /// Stand-ins are private-use characters here (llama.cpp uses bytes 0xD0–0xD5).
    /// </summary>
    public static char Collapse(int cp, CodepointFlags flags)
    {
        if (cp < 128) return (char)cp;
        if ((flags & CodepointFlags.Whitespace) != 0) return '\v';
        return (flags & ~CodepointFlags.Whitespace) switch
        {
            CodepointFlags.Number => CollapsedNumber,
            CodepointFlags.Letter => CollapsedLetter,
            CodepointFlags.Punctuation => CollapsedPunctuation,
            CodepointFlags.Mark => CollapsedMark,
            CodepointFlags.Symbol => CollapsedSymbol,
            _ => CollapsedOther,
        };
    }

    public const char CollapsedOther = '\uE0D0';
    public const char CollapsedNumber = '\uE0D1';
    public const char CollapsedLetter = '\uE0D2';
    public const char CollapsedPunctuation = '\uE0D3';
    public const char CollapsedMark = '\uE0D4';
    public const char CollapsedSymbol = '\uE0D5';
}
