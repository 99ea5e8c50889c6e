using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.JsonSchema.Compilation;

/// <summary>
/// Turns a regex over a string's decoded characters into a regex over its JSON text (between the quotes): each character
/// class becomes "the raw characters JSON allows unescaped | the escapes of the others" (<c>\"</c>, <c>\\</c>, the short
/// control escapes, <c>\u00xx</c> in either case), so patterns and formats apply to the value, not its encoding. Other
/// escape spellings (<c>\/</c>, <c>\u0041</c>, surrogate pairs) are not generated: every value keeps one encoding.
/// </summary>
public static class JsonStringRegex
{
    private static readonly CodePointSet MustEscape = CodePointSet.FromRanges([(0, 0x1F), ('"', '"'), ('\\', '\\')]);
    private static readonly CodePointSet RawAllowed = MustEscape.Negate();
    private static readonly CodePointSet AllControls = CodePointSet.Range(0, 0x1F);
    private static readonly (int Char, int Letter)[] ShortEscapes = [('\b', 'b'), ('\f', 'f'), ('\n', 'n'), ('\r', 'r'), ('\t', 't')];


    public static RegexNode Encode(RegexNode decoded) => decoded switch
    {
        RegexCharSet c => EncodeSet(c.Set),
        RegexConcat c => RegexNode.Concat(Array.ConvertAll(c.Items, Encode)),
        RegexAlternation a => RegexNode.Alternate(Array.ConvertAll(a.Items, Encode)),
        RegexRepeat r => RegexNode.Repeat(Encode(r.Item), r.Min, r.Max),
        _ => decoded,
    };

    /// <summary>The quoted string lexeme whose content matches <paramref name="decoded"/>.</summary>
    public static RegexNode Quoted(RegexNode decoded) =>
        RegexNode.Concat([RegexNode.Literal("\""), Encode(decoded), RegexNode.Literal("\"")]);

    public static RegexNode EncodeSet(CodePointSet set)
    {
        var alternatives = new List<RegexNode>();
        var raw = Intersect(set, RawAllowed);
        if (!raw.IsEmpty) alternatives.Add(new RegexCharSet(raw));
        if (set.Contains('"')) alternatives.Add(RegexNode.Literal("\\\""));
        if (set.Contains('\\')) alternatives.Add(RegexNode.Literal("\\\\"));
        var controls = Intersect(set, CodePointSet.Range(0, 0x1F));
        if (controls.Equals(AllControls))
        {
            // Every control character: one compact alternative per escape form instead of 32.
            alternatives.Add(RegexNode.Concat([new RegexCharSet(CodePointSet.Single('\\')), new RegexCharSet(CodePointSet.FromRanges([('b', 'b'), ('f', 'f'), ('n', 'n'), ('r', 'r'), ('t', 't')]))]));
            alternatives.Add(RegexNode.Concat([RegexNode.Literal("\\u00"), new RegexCharSet(CodePointSet.Range('0', '1')),
                new RegexCharSet(CodePointSet.FromRanges([('0', '9'), ('A', 'F'), ('a', 'f')]))]));
        }
        else if (!controls.IsEmpty)
        {
            var shortForms = new List<int>();
            foreach (var (c, letter) in ShortEscapes)
                if (controls.Contains(c)) shortForms.Add(letter);
            if (shortForms.Count > 0)
                alternatives.Add(RegexNode.Concat([new RegexCharSet(CodePointSet.Single('\\')),
                    new RegexCharSet(CodePointSet.FromRanges(shortForms.ConvertAll(l => (l, l))))]));
            foreach (var (low, high) in controls.Ranges)
                for (int c = low; c <= high; c++)
                    if (!IsShort(c)) alternatives.Add(UnicodeEscape(c));
        }
        return alternatives.Count == 0 ? new RegexCharSet(CodePointSet.Empty) : RegexNode.Alternate(alternatives);
    }

    private static bool IsShort(int c) => c is '\b' or '\f' or '\n' or '\r' or '\t';

    private static RegexNode UnicodeEscape(int c)
    {
        var items = new List<RegexNode> { RegexNode.Literal("\\u00") };
        foreach (char h in c.ToString("x2"))
            items.Add(new RegexCharSet(char.IsAsciiLetter(h)
                ? CodePointSet.FromRanges([(h, h), (char.ToUpperInvariant(h), char.ToUpperInvariant(h))])
                : CodePointSet.Single(h)));
        return RegexNode.Concat(items);
    }

    public static CodePointSet Intersect(CodePointSet a, CodePointSet b) => a.Negate().Union(b.Negate()).Negate();
}
