using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

internal static class TestGrammars
{
    /// <summary>JSON (RFC 8259) with optional leading whitespace, written for these tests in the style of llama.cpp's json.gbnf.</summary>
    public const string Json = """
        # JSON, with whitespace allowed before the value
        root   ::= ws value
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( member ( "," ws member )* )? "}" ws
        member ::= string ":" ws value
        array  ::= "[" ws ( value ( "," ws value )* )? "]" ws
        string ::= "\"" ( [^"\\\x00-\x1f] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\"" ws
        number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )? ws
        ws     ::= [ \t\n\r]*
        """;

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
