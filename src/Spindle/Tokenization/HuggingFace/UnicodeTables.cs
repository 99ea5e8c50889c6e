using System.Collections.Frozen;

namespace Spindle.Tokenization.HuggingFace;

/// <summary>
/// Lookups over the generated Unicode data (<c>UnicodeTables.Data.cs</c>): combining classes, full canonical and
/// compatibility decompositions, primary composites and llama.cpp's one-code-point lowercase map. Hangul syllables are
/// not in the tables; they are decomposed and composed arithmetically (Unicode §3.12).
/// </summary>
internal static partial class UnicodeTables
{
    internal const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    internal const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    internal const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    private static FrozenDictionary<long, int>? s_composites;

    public static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x300) return 0;
        var ranges = CombiningClassRanges;
        int lo = 0, hi = ranges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (codePoint < ranges[mid * 3]) hi = mid - 1;
            else if (codePoint > ranges[mid * 3 + 1]) lo = mid + 1;
            else return ranges[mid * 3 + 2];
        }
        return 0;
    }

    /// <summary>The full decomposition of a non-Hangul code point, or false when it decomposes to itself.</summary>
    public static bool TryGetDecomposition(int codePoint, bool compatibility, out ReadOnlySpan<int> decomposition)
    {
        decomposition = default;
        if (codePoint < 0xA0) return false;
        int index = DecompositionCodePoints.BinarySearch(codePoint);
        if (index < 0) return false;
        var pool = DecompositionPool;
        int at = DecompositionOffsets[index];
        int canonicalLength = pool[at];
        if (compatibility)
        {
            at += 1 + canonicalLength;
            decomposition = pool.Slice(at + 1, pool[at]);
        }
        else
        {
            decomposition = pool.Slice(at + 1, canonicalLength);
        }
        return decomposition.Length != 1 || decomposition[0] != codePoint;
    }

    /// <summary>The first code point of the canonical decomposition: what llama.cpp's unicode_cpts_normalize_nfd keeps.</summary>
    public static int FirstOfCanonicalDecomposition(int codePoint)
    {
        if ((uint)(codePoint - HangulSBase) < HangulSCount) return HangulLBase + (codePoint - HangulSBase) / HangulNCount;
        return TryGetDecomposition(codePoint, compatibility: false, out var d) ? d[0] : codePoint;
    }

    /// <summary>The first code point of Python's str.lower(): llama.cpp's unicode_tolower.</summary>
    public static int ToLowerFirst(int codePoint)
    {
        if (codePoint < 0x80) return (uint)(codePoint - 'A') <= 'Z' - 'A' ? codePoint + 32 : codePoint;
        var pairs = LowercasePairs;
        int lo = 0, hi = pairs.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int key = pairs[mid * 2];
            if (codePoint < key) hi = mid - 1;
            else if (codePoint > key) lo = mid + 1;
            else return pairs[mid * 2 + 1];
        }
        return codePoint;
    }

    public static bool TryCompose(int first, int second, out int composite)
    {
        int lIndex = first - HangulLBase;
        if ((uint)lIndex < HangulLCount)
        {
            int vIndex = second - HangulVBase;
            if ((uint)vIndex < HangulVCount)
            {
                composite = HangulSBase + (lIndex * HangulVCount + vIndex) * HangulTCount;
                return true;
            }
        }
        int sIndex = first - HangulSBase;
        if ((uint)sIndex < HangulSCount && sIndex % HangulTCount == 0)
        {
            int tIndex = second - HangulTBase;
            if (tIndex > 0 && tIndex < HangulTCount)
            {
                composite = first + tIndex;
                return true;
            }
        }
        var composites = s_composites ??= BuildComposites();
        return composites.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static FrozenDictionary<long, int> BuildComposites()
    {
        var triples = CompositionTriples;
        var map = new Dictionary<long, int>(triples.Length / 3);
        for (int i = 0; i < triples.Length; i += 3) map[((long)triples[i] << 21) | (uint)triples[i + 1]] = triples[i + 2];
        return map.ToFrozenDictionary();
    }
}
