namespace Spindle.Tokenization.Bpe;

/// <summary>
/// A character class of a pre-tokenizer regex, as llama.cpp evaluates it: classes with \p{..} see the collapsed text
/// (ASCII as is, other code points by category), classes of literal ranges see code points with non-ASCII whitespace
/// turned into \v. Either way a whitespace code point above ASCII never matches a literal range.
/// </summary>
internal abstract class CodepointClass
{
    public abstract bool Contains(int cp, CodepointFlags flags);

    /// <summary>Code points of the given categories (ASCII by its own category) plus extra ASCII characters.</summary>
    public static CodepointClass Categories(CodepointFlags categories, string extraAscii = "") => new CategoryClass(categories, extraAscii);

    /// <summary>Literal ranges written as in a regex class body, e.g. "A-Za-zµ" (no escapes).</summary>
    public static CodepointClass Ranges(string classBody) => new RangeClass(classBody);

    public static readonly CodepointClass CarriageReturnOrNewline = Ranges("\r\n");

    private sealed class CategoryClass : CodepointClass
    {
        private readonly CodepointFlags _categories;
        private readonly bool[] _ascii = new bool[128];

        public CategoryClass(CodepointFlags categories, string extraAscii)
        {
            _categories = categories;
            for (int c = 0; c < 128; c++) _ascii[c] = (CodepointTable.Of(c) & categories) != 0;
            foreach (char c in extraAscii) _ascii[c] = true;
        }

        public override bool Contains(int cp, CodepointFlags flags) =>
            cp < 128 ? _ascii[cp] : (flags & CodepointFlags.Whitespace) == 0 && (flags & _categories) != 0;
    }

    private sealed class RangeClass : CodepointClass
    {
        private readonly ulong[] _bmp = new ulong[0x10000 / 64];
        private readonly (int First, int Last)[] _supplementary;

        public RangeClass(string body)
        {
            var cps = new List<int>();
            for (int i = 0; i < body.Length; i++)
            {
                int cp = char.ConvertToUtf32(body, i);
                if (cp > 0xFFFF) i++;
                cps.Add(cp);
            }
            var supplementary = new List<(int, int)>();
            for (int i = 0; i < cps.Count; i++)
            {
                int first = cps[i], last = first;
                if (i + 2 < cps.Count && cps[i + 1] == '-') { last = cps[i + 2]; i += 2; }
                for (int cp = first; cp <= last; cp++)
                {
                    if (cp > 0xFFFF) { supplementary.Add((cp, last)); break; }
                    if (cp >= 128 && (CodepointTable.Of(cp) & CodepointFlags.Whitespace) != 0) continue;
                    _bmp[cp >> 6] |= 1UL << cp;
                }
            }
            _supplementary = supplementary.ToArray();
        }

        public override bool Contains(int cp, CodepointFlags flags)
        {
            if (cp <= 0xFFFF) return (_bmp[cp >> 6] & (1UL << cp)) != 0;
            foreach (var (first, last) in _supplementary)
            {
                if (cp >= first && cp <= last) return true;
            }
            return false;
        }
    }
}
