namespace Spindle.Tests.Tokenization;

/// <summary>Random text built from pieces that stress pre-tokenizers: every class their regexes tell apart.</summary>
internal static class BpeRandomText
{
    public static readonly string[] Pieces =
    [
        "a", "Z", "hello", "World", "q", "0", "7", "12", "1234", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Ve",
        "'", "\"", "!", "?", ".", ",", ";", ":", "-", "_", "(", ")", "[", "]", "{", "}", "$", "+", "<", "=", ">", "^", "~", "|",
        "`", "@", "#", "%", "&", "*", "/", "\\",
        " ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\v", "\f", " \n", "\n ",
        "中", "文字", "あ", "ア", "한국", "😀", "🚀", "👍🏽", "é", "ü", "ñ", "e\u0301", "\u0301", "α", "βγ", "ж", "µ", "Ω", "K",
        "٣", "²", "½", "Ⅻ", "\u00A0", "\u3000", "\u2009", "\u0085", "\u2028", "©", "€", "™", "←", "«", "»", "…", "、", "。",
        "！", "，", "Ａ", "ｚ", "\u0378", "\uE000", "\u0001", "\u200D", "\u00AD", "𝔘", "𐐀", "ǅ", "ʰ", "ℵ", "\u2126", "\u212A", "\u1F7D", "\u1FBE", "\u03CE", "Ὗ", "ῼ",
    ];

    public static IEnumerable<string> Strings(int seed, int count, string[]? pieces = null)
    {
        pieces ??= Pieces;
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int n = random.Next(0, 24);
            var sb = new System.Text.StringBuilder();
            for (int k = 0; k < n; k++) sb.Append(pieces[random.Next(pieces.Length)]);
            yield return sb.ToString();
        }
    }
}
