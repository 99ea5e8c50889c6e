using System.Text;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// NFC/NFD/NFKC/NFKD from Spindle's own Unicode tables: with InvariantGlobalization on, .NET's string.Normalize
/// returns non-ASCII text unchanged, so it cannot be used.
/// </summary>
internal static class UnicodeNormalizer
{
    public static string Normalize(string text, NormalizationForm form)
    {
        bool compatibility = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        bool compose = form is NormalizationForm.FormC or NormalizationForm.FormKC;
        int i = 0;
        while (i < text.Length && text[i] < 0xA0) i++;
        if (i == text.Length) return text; // below U+00A0 nothing decomposes, composes or reorders

        var codePoints = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, compatibility, codePoints);
        ReorderCanonically(codePoints);
        if (compose) Compose(codePoints);

        var sb = new StringBuilder(codePoints.Count + 4);
        Span<char> utf16 = stackalloc char[2];
        foreach (int cp in codePoints) sb.Append(utf16[..new Rune(cp).EncodeToUtf16(utf16)]);
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compatibility, List<int> output)
    {
        int sIndex = cp - UnicodeTables.HangulSBase;
        if ((uint)sIndex < UnicodeTables.HangulSCount)
        {
            output.Add(UnicodeTables.HangulLBase + sIndex / UnicodeTables.HangulNCount);
            output.Add(UnicodeTables.HangulVBase + sIndex % UnicodeTables.HangulNCount / UnicodeTables.HangulTCount);
            int t = sIndex % UnicodeTables.HangulTCount;
            if (t != 0) output.Add(UnicodeTables.HangulTBase + t);
            return;
        }
        if (UnicodeTables.TryGetDecomposition(cp, compatibility, out var d))
        {
            foreach (int x in d) output.Add(x);
        }
        else
        {
            output.Add(cp);
        }
    }

    // Stable insertion sort of each run of non-starters by combining class (runs are short).
    private static void ReorderCanonically(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int ccc = UnicodeTables.CombiningClass(cps[i]);
            if (ccc == 0) continue;
            int j = i;
            int cp = cps[i];
            while (j > 0)
            {
                int prev = UnicodeTables.CombiningClass(cps[j - 1]);
                if (prev <= ccc) break;
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    // Canonical composition algorithm (UAX #15): each character combines with the last starter unless blocked.
    private static void Compose(List<int> cps)
    {
        if (cps.Count == 0) return;
        int starterIndex = -1;
        int lastClass = -1;
        int write = 0;
        for (int read = 0; read < cps.Count; read++)
        {
            int cp = cps[read];
            int ccc = UnicodeTables.CombiningClass(cp);
            if (starterIndex >= 0 && (lastClass < ccc || (lastClass == 0 && write == starterIndex + 1))
                && UnicodeTables.TryCompose(cps[starterIndex], cp, out int composite))
            {
                cps[starterIndex] = composite;
                continue;
            }
            if (ccc == 0)
            {
                starterIndex = write;
                lastClass = 0;
            }
            else
            {
                lastClass = ccc;
            }
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }
}
