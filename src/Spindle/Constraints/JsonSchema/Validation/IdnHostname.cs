using System.Globalization;
using System.Text;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>
/// Internationalised hostnames (format "idn-hostname", and the A-labels of "hostname"): label syntax, Punycode
/// round trip, and the IDNA2008 rules that need no large tables — RFC 5892 exceptions and CONTEXTJ/CONTEXTO rules,
/// RFC 5893 Bidi rule. Code point validity is approximated by general category (letters, marks, digits) instead
/// of the full derived-property table, so rare DISALLOWED letters are accepted.
/// </summary>
internal static class IdnHostname
{
    public static bool IsValid(string s)
    {
        if (s.Length == 0) return false;
        var labels = s.Split('.', '\u3002', '\uFF0E', '\uFF61');
        var decoded = new List<List<int>>(labels.Length);
        int asciiLength = labels.Length - 1;
        foreach (var label in labels)
        {
            if (label.Length == 0) return false;
            if (!TryLabel(label, out var codePoints, out int aLabelLength)) return false;
            asciiLength += aLabelLength;
            decoded.Add(codePoints);
        }
        if (asciiLength > 253) return false;
        bool bidiDomain = false;
        foreach (var cps in decoded)
            foreach (int c in cps)
                if (BidiOf(c) is Bidi.R or Bidi.AL or Bidi.AN) bidiDomain = true;
        if (bidiDomain)
            foreach (var cps in decoded)
                if (!SatisfiesBidiRule(cps)) return false;
        return true;
    }

    /// <summary>Checks one label (A-label, ASCII LDH label or U-label); yields its code points and A-label length.</summary>
    public static bool TryLabel(string label, out List<int> codePoints, out int aLabelLength)
    {
        codePoints = [];
        aLabelLength = label.Length;
        bool ascii = true;
        foreach (char c in label) if (c >= 0x80) ascii = false;
        if (ascii && label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase))
        {
            string encoded = label[4..].ToLowerInvariant();
            if (!Punycode.TryDecode(encoded, out codePoints)) return false;
            bool anyNonAscii = false;
            foreach (int c in codePoints) if (c >= 0x80) anyNonAscii = true;
            if (!anyNonAscii || Punycode.Encode(codePoints) != encoded) return false;
            return label.Length <= 63 && IsValidULabel(codePoints);
        }
        for (int i = 0; i < label.Length; i++)
        {
            int cp = char.ConvertToUtf32(label, i);
            if (cp > 0xFFFF) i++;
            codePoints.Add(cp);
        }
        if (ascii)
        {
            if (label.Length > 63) return false;
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
            return label[0] != '-' && label[^1] != '-' && !(label.Length >= 4 && label[2] == '-' && label[3] == '-');
        }
        aLabelLength = 4 + Punycode.Encode(codePoints).Length;
        return aLabelLength <= 63 && IsValidULabel(codePoints);
    }

    private static bool IsValidULabel(List<int> cps)
    {
        int n = cps.Count;
        if (n == 0 || cps[0] == '-' || cps[^1] == '-') return false;
        if (n >= 4 && cps[2] == '-' && cps[3] == '-') return false;
        if (IsMark(cps[0])) return false;
        bool arabicIndic = false, extendedArabicIndic = false;
        for (int i = 0; i < n; i++)
        {
            int c = cps[i];
            int prev = i > 0 ? cps[i - 1] : -1, next = i + 1 < n ? cps[i + 1] : -1;
            switch (c)
            {
                case 0x00B7: if (prev != 'l' || next != 'l') return false; continue; // MIDDLE DOT: only in "l·l"
                case 0x0375: if (next < 0 || !IsGreek(next)) return false; continue; // KERAIA precedes Greek
                case 0x05F3 or 0x05F4: if (prev < 0 || !IsHebrew(prev)) return false; continue; // GERESH/GERSHAYIM
                case 0x30FB: if (!HasKanaOrHan(cps)) return false; continue; // KATAKANA MIDDLE DOT
                case 0x200D: if (!IsVirama(prev)) return false; continue; // ZWJ after a virama
                case 0x200C: // ZWNJ after a virama, or between joining (here: Arabic-script) letters
                    if (!IsVirama(prev) && !(IsArabicLetter(prev) && IsArabicLetter(next))) return false;
                    continue;
                case 0x00DF or 0x03C2 or 0x06FD or 0x06FE or 0x0F0B or 0x3007: continue; // RFC 5892 PVALID exceptions
                case 0x0640 or 0x07FA or 0x302E or 0x302F or (>= 0x3031 and <= 0x3035) or 0x303B: return false; // DISALLOWED exceptions
            }
            if (c is >= 0x0660 and <= 0x0669) arabicIndic = true;
            if (c is >= 0x06F0 and <= 0x06F9) extendedArabicIndic = true;
            if (c == '-' || (c < 0x80 && char.IsAsciiLetterOrDigit((char)c))) continue;
            var cat = Category(c);
            if (cat is not (UnicodeCategory.LowercaseLetter or UnicodeCategory.OtherLetter or UnicodeCategory.ModifierLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber))
                return false;
        }
        return !(arabicIndic && extendedArabicIndic);
    }

    private enum Bidi { L, R, AL, AN, EN, ES, CS, ET, ON, BN, NSM }

    /// <summary>RFC 5893 §2 on one label, with an approximate Bidi class (by block and category).</summary>
    private static bool SatisfiesBidiRule(List<int> cps)
    {
        var first = BidiOf(cps[0]);
        if (first is not (Bidi.L or Bidi.R or Bidi.AL)) return false;
        int last = cps.Count - 1;
        while (last > 0 && BidiOf(cps[last]) == Bidi.NSM) last--;
        var end = BidiOf(cps[last]);
        if (first == Bidi.L)
        {
            foreach (int c in cps)
                if (BidiOf(c) is not (Bidi.L or Bidi.EN or Bidi.ES or Bidi.CS or Bidi.ET or Bidi.ON or Bidi.BN or Bidi.NSM)) return false;
            return end is Bidi.L or Bidi.EN;
        }
        bool en = false, an = false;
        foreach (int c in cps)
        {
            var b = BidiOf(c);
            if (b == Bidi.L) return false;
            en |= b == Bidi.EN;
            an |= b == Bidi.AN;
        }
        return !(en && an) && end is Bidi.R or Bidi.AL or Bidi.EN or Bidi.AN;
    }

    private static Bidi BidiOf(int c)
    {
        if (c is >= '0' and <= '9' or >= 0x06F0 and <= 0x06F9) return Bidi.EN;
        if (c is >= 0x0660 and <= 0x0669 or 0x066B or 0x066C) return Bidi.AN;
        if (c == '-') return Bidi.ES;
        if (IsMark(c)) return Bidi.NSM;
        if (c is >= 0x0590 and <= 0x05FF or >= 0x07C0 and <= 0x085F or >= 0xFB1D and <= 0xFB4F) return Bidi.R;
        if (c is >= 0x0600 and <= 0x06FF or >= 0x0750 and <= 0x077F or >= 0x08A0 and <= 0x08FF or >= 0xFB50 and <= 0xFDFF or >= 0xFE70 and <= 0xFEFF) return Bidi.AL;
        if (c is 0x200C or 0x200D) return Bidi.BN;
        var cat = Category(c);
        return cat is UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.OtherSymbol ? Bidi.ON : Bidi.L;
    }

    private static UnicodeCategory Category(int c) =>
        c <= 0xFFFF ? CharUnicodeInfo.GetUnicodeCategory((char)c) : CharUnicodeInfo.GetUnicodeCategory(c);

    private static bool IsMark(int c) => Category(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
    private static bool IsGreek(int c) => c is >= 0x0370 and <= 0x03FF or >= 0x1F00 and <= 0x1FFF;
    private static bool IsHebrew(int c) => c is >= 0x0590 and <= 0x05FF;
    private static bool IsArabicLetter(int c) => c is >= 0x0620 and <= 0x064A or >= 0x066E and <= 0x06D3 or >= 0x06FA and <= 0x06FF && Category(c) == UnicodeCategory.OtherLetter;

    /// <summary>Viramas (canonical combining class 9) of the Indic and Southeast Asian scripts.</summary>
    private static bool IsVirama(int c) => c is 0x094D or 0x09CD or 0x0A4D or 0x0ACD or 0x0B4D or 0x0BCD or 0x0C4D or 0x0CCD
        or 0x0D3B or 0x0D3C or 0x0D4D or 0x0DCA or 0x0E3A or 0x0EBA or 0x0F84 or 0x1039 or 0x103A or 0x1714 or 0x1734
        or 0x17D2 or 0x1A60 or 0x1B44 or 0x1BAA or 0x1BAB or 0x1BF2 or 0x1BF3 or 0x2D7F or 0xA806 or 0xA8C4 or 0xA953
        or 0xA9C0 or 0xAAF6 or 0xABED;

    private static bool HasKanaOrHan(List<int> cps)
    {
        foreach (int c in cps)
            if (c != 0x30FB && (c is >= 0x3040 and <= 0x30FF or >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0x20000 and <= 0x2FFFF))
                return true;
        return false;
    }
}
