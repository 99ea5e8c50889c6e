using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

internal static class TestGrammars
{
    /// <summary>JSON (RFC 8259) with optional leading whitespace: the library's generic JSON grammar.</summary>
    public const string Json = Spindle.Constraints.FrontEnds.JsonGbnf.Text;

    public const string Arithmetic = """
        root  ::= expr
        expr  ::= term ( ("+" | "-") term )*
        term  ::= factor ( ("*" | "/") factor )*
        factor ::= number | "(" expr ")" | "-" factor
        number ::= [0-9]+
        """;

    public static readonly Lazy<CompiledGrammar> JsonCompiled = new(() => new CompiledGrammar(GbnfGrammar.Parse(Json)));

    public static Matcher ByteMatcher(CompiledGrammar grammar) => new(grammar, ByteVocabulary.Trie);

    public static Matcher ByteMatcher(string gbnf) => ByteMatcher(new CompiledGrammar(GbnfGrammar.Parse(gbnf)));

    /// <summary>Whether the matcher accepts <paramref name="text"/> as a complete output.</summary>
    public static bool Accepts(CompiledGrammar grammar, string text)
    {
        var m = ByteMatcher(grammar);
        return m.TryAcceptBytes(Encoding.UTF8.GetBytes(text)) && m.IsAccepting;
    }
}
