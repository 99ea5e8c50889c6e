namespace Spindle.Constraints.FrontEnds;

/// <summary>
/// Any JSON value (RFC 8259) as GBNF, with whitespace allowed before the value, in the style of llama.cpp's json.gbnf:
/// the generic grammar the mask benchmarks replay documents through and the tests use as a realistic grammar.
/// </summary>
public static class JsonGbnf
{
    public const string Text = """
        root   ::= ws value
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( member ( "," ws member )* )? "}" ws
        member ::= string ":" ws value
        array  ::= "[" ws ( value ( "," ws value )* )? "]" ws
        string ::= "\"" ( [^"\\\x00-\x1f] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\"" ws
        number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )? ws
        ws     ::= [ \t\n\r]*
        """;
}
