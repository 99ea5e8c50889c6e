namespace Spindle.Tokenization;

/// <summary>
/// Where a streamed text may be cut without changing how <see cref="SpecialTokenPartitioner"/> splits it. The partitioner
/// finds each special token's leftmost non-overlapping occurrences in what earlier (longer) tokens left; when no
/// occurrence of any active token spans the cut, that scan runs the same on both sides, so the halves split as the
/// whole does. An occurrence spanning the cut between chars a and b holds "ab" inside the token: the guard keeps the
/// set of adjacent char pairs of the active tokens. LStrip/RStrip tokens also eat the whitespace beside them, so a cut
/// must not fall inside or at the edge of such a whitespace run either.
/// </summary>
internal sealed class SpecialTokenCutGuard
{
    private readonly HashSet<int> _pairs = [];
    private readonly HashSet<char> _rstripLast = [];
    private readonly HashSet<char> _lstripFirst = [];
    private readonly bool _strips;

    public SpecialTokenCutGuard(Vocabulary vocabulary, bool parseSpecial)
    {
        for (int id = 0; id < vocabulary.Count; id++)
        {
            var attr = vocabulary.Attributes[id];
            if ((attr & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) == 0) continue;
            if (!parseSpecial && (attr & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) continue;
            string text = vocabulary.Tokens[id];
            if (text.Length == 0) continue;
            for (int i = 1; i < text.Length; i++) _pairs.Add(Pair(text[i - 1], text[i]));
            if ((attr & TokenAttributes.RStrip) != 0) { _rstripLast.Add(text[^1]); _strips = true; }
            if ((attr & TokenAttributes.LStrip) != 0) { _lstripFirst.Add(text[0]); _strips = true; }
        }
    }

    /// <summary>Whether the special-token split of <paramref name="text"/> has a boundary at <paramref name="index"/>.</summary>
    public bool AllowsCut(ReadOnlySpan<char> text, int index)
    {
        char left = text[index - 1], right = text[index];
        if (_pairs.Contains(Pair(left, right))) return false;
        if (!_strips) return true;
        bool leftSpace = IsCSpace(left), rightSpace = IsCSpace(right);
        if (leftSpace && rightSpace) return false; // a stripped run could cross the cut
        if (rightSpace && _rstripLast.Contains(left)) return false; // an RStrip token just before would eat text after
        if (leftSpace && _lstripFirst.Contains(right)) return false; // an LStrip token just after would eat text before
        return true;
    }

    private static int Pair(char a, char b) => (a << 16) | b;

    // The whitespace set the partitioner strips with (C's isspace).
    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
