using System.Text;

namespace Spindle.Constraints.Grammars;

/// <summary>
/// The grammar IR every front-end (regex, choice list, GBNF, JSON Schema) produces: a context-free grammar whose terminals
/// are lexemes (regexes). Putting whole tokens of the output language (a JSON string, a number) into single lexemes keeps
/// the parser off the per-byte path, which is what makes mask computation fast. Immutable.
/// </summary>
public sealed class Grammar
{
    internal Grammar(IReadOnlyList<Lexeme> lexemes, IReadOnlyList<GrammarRule> rules, int startRule)
    {
        Lexemes = lexemes;
        Rules = rules;
        StartRule = startRule;
    }

    public IReadOnlyList<Lexeme> Lexemes { get; }
    public IReadOnlyList<GrammarRule> Rules { get; }
    public int StartRule { get; }

    /// <summary>Rules whose alternatives are generated on demand by the parser (objects with members in any order).</summary>
    public IReadOnlyList<AnyOrderMembers> AnyOrderRules { get; init; } = [];

    /// <summary>A canonical text of the whole grammar (for content hashing and debugging).</summary>
    public string ToCanonicalString()
    {
        var sb = new StringBuilder();
        sb.Append("start R").Append(StartRule).Append('\n');
        for (int i = 0; i < Lexemes.Count; i++)
        {
            sb.Append('L').Append(i).Append(" = ").Append(Lexemes[i].Regex.Key);
            if (Lexemes[i].Except is { } except) sb.Append(" except ").Append(except.Key);
            sb.Append('\n');
        }
        for (int i = 0; i < Rules.Count; i++)
        {
            sb.Append('R').Append(i).Append(" ::=");
            foreach (var alt in Rules[i].Alternatives)
            {
                sb.Append(" |");
                foreach (var s in alt) sb.Append(' ').Append(s);
            }
            sb.Append('\n');
        }
        foreach (var family in AnyOrderRules) sb.Append(family).Append('\n');
        return sb.ToString();
    }

    public override string ToString() => ToCanonicalString();
}
