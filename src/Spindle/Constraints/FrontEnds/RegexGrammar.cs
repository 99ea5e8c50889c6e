using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;

namespace Spindle.Constraints.FrontEnds;

/// <summary>A grammar of one lexeme: the whole output must match the regex.</summary>
public static class RegexGrammar
{
    public static Grammar Parse(string pattern)
    {
        var builder = new GrammarBuilder();
        return builder.Build(builder.Lexeme(RegexParser.Parse(pattern), "regex"));
    }
}
