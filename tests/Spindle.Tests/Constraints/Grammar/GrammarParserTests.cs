using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

public class GrammarParserTests
{
    private static readonly Lazy<CompiledGrammar> ArithmeticCompiled = new(() => new CompiledGrammar(GbnfGrammar.Parse(TestGrammars.Arithmetic)));

    [Theory]
    [InlineData("1", true)]
    [InlineData("12+3*4", true)]
    [InlineData("(1+2)*3", true)]
    [InlineData("-(-1)/2", true)]
    [InlineData("((((7))))", true)]
    [InlineData("1+", false)]
    [InlineData("(1+2", false)]
    [InlineData("1+2)", false)]
    [InlineData("", false)]
    [InlineData("1 + 2", false)]
    [InlineData("*1", false)]
    public void Arithmetic(string text, bool valid) => Assert.Equal(valid, TestGrammars.Accepts(ArithmeticCompiled.Value, text));

    [Theory]
    [InlineData("{}", true)]
    [InlineData(" {\"a\": [1, 2.5e-3, true, null, \"x\\n\\u00e9\"]}", true)]
    [InlineData("[[[]]]", true)]
    [InlineData("\"中🙂\"", true)]
    [InlineData("-0.5", true)]
    [InlineData("{\"a\":1,}", false)]
    [InlineData("[1 2]", false)]
    [InlineData("01", false)]
    [InlineData("\"a\tb\"", false)]
    [InlineData("\"\\x\"", false)]
    [InlineData("tru", false)]
    [InlineData("{\"a\" 1}", false)]
    [InlineData("[", false)]
    public void Json(string text, bool valid) => Assert.Equal(valid, TestGrammars.Accepts(TestGrammars.JsonCompiled.Value, text));

    /// <summary>Random valid documents and random one-character mutations, against System.Text.Json.</summary>
    [Fact]
    public void JsonAgreesWithSystemTextJson()
    {
        var rng = new Random(42);
        const string mutationChars = "{}[],:\" a1-.e\\tn";
        int invalid = 0;
        for (int i = 0; i < 600; i++)
        {
            string doc = RandomJson.Document(rng);
            Assert.True(TestGrammars.Accepts(TestGrammars.JsonCompiled.Value, doc), doc);
            var sb = new StringBuilder(doc);
            int at = rng.Next(sb.Length + 1);
            if (at < sb.Length && char.IsLowSurrogate(sb[at])) at--; // never split a surrogate pair
            if (rng.Next(2) == 0 && at < sb.Length) sb.Remove(at, char.IsHighSurrogate(sb[at]) ? 2 : 1);
            else sb.Insert(at, mutationChars[rng.Next(mutationChars.Length)]);
            string mutated = sb.ToString();
            bool expected = IsJson(mutated);
            if (!expected) invalid++;
            Assert.True(expected == TestGrammars.Accepts(TestGrammars.JsonCompiled.Value, mutated), $"{mutated}: System.Text.Json says {expected}");
        }
        Assert.True(invalid > 100);
    }

    private static bool IsJson(string s)
    {
        if (s.Trim(' ', '\t', '\n', '\r').Length == 0) return false;
        try
        {
            using var _ = JsonDocument.Parse(s);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [Fact]
    public void GbnfRegularRulesBecomeSingleLexemes()
    {
        var grammar = GbnfGrammar.Parse(TestGrammars.Json);
        // string, number, "{" ws, "[" ws, literals+ws, "," ws, "}" ws, "]" ws, string ":" ws, ws.
        Assert.True(grammar.Lexemes.Count <= 12, grammar.ToCanonicalString());
    }

    [Fact]
    public void GbnfFeatures()
    {
        const string gbnf = """
            root ::= greeting (" " name){1,3} "!"? [0-9]{2} tail   # trailing comment
            greeting ::= "hi" | "hello"
            name ::= [A-Z] [a-z]* | "\x41\u00e9"
            tail ::= ( "." tail
               | "" )
            """;
        var g = new CompiledGrammar(GbnfGrammar.Parse(gbnf));
        Assert.True(TestGrammars.Accepts(g, "hi Bob!42"));
        Assert.True(TestGrammars.Accepts(g, "hello Ann Aé Zed07..."));
        Assert.False(TestGrammars.Accepts(g, "hello Ann Aé Zed Q07"));
        Assert.False(TestGrammars.Accepts(g, "hi bob42"));
        Assert.False(TestGrammars.Accepts(g, "hi Bob!4"));
    }

    [Fact]
    public void GbnfAnyCharAndNegatedClass()
    {
        var g = new CompiledGrammar(GbnfGrammar.Parse("root ::= . [^\\n]* \"\\n\""));
        Assert.True(TestGrammars.Accepts(g, "中 anything\n"));
        Assert.False(TestGrammars.Accepts(g, "a\nb\n"));
    }

    [Theory]
    [InlineData("root ::= foo", "undefined rule 'foo'", 1, 10)]
    [InlineData("root ::= \"a\"\nx ::= \"b\" | (", "expecting ')'", 2, 14)]
    [InlineData("root ::= \"abc", "unterminated string", 1, 14)]
    [InlineData("root = \"a\"", "expecting '::='", 1, 6)]
    [InlineData("a ::= \"x\"", "no 'root' rule", 0, 0)]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", "defined twice", 2, 1)]
    [InlineData("root ::= \"\\q\"", "unknown escape", 1, 11)]
    [InlineData("root ::= \"a\"{3,2}", "max < min", 1, 18)]
    [InlineData("root ::= \"a\"{99999}", "exceeds", 1, 14)]
    [InlineData("root ::= \"a\" )", "unexpected ')'", 1, 14)]
    public void GbnfErrors(string text, string message, int line, int column)
    {
        var e = Assert.Throws<GrammarException>(() => GbnfGrammar.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
    }

    [Fact]
    public void GbnfPathologicalInputsAreBounded()
    {
        Assert.Throws<GrammarException>(() => GbnfGrammar.Parse("root ::= " + new string('(', 5000) + "\"a\"" + new string(')', 5000)));
        // Regular but huge once expanded: the automaton bound stops it.
        Assert.Throws<GrammarException>(() => new CompiledGrammar(GbnfGrammar.Parse("root ::= (\"ab\"{1000}){1000}")));
        // Recursive rules repeated: a grammar-level expansion, bounded by the rule limit or fine when small.
        var g = new CompiledGrammar(GbnfGrammar.Parse("root ::= x{3,5}\nx ::= \"(\" x \")\" | \"a\""));
        Assert.True(TestGrammars.Accepts(g, "a(a)((a))"));
        Assert.False(TestGrammars.Accepts(g, "aa"));
    }

    [Fact]
    public void ChoiceAndRegexFrontEnds()
    {
        var choice = new CompiledGrammar(ChoiceGrammar.Create(["yes", "no", "not sure"]));
        Assert.True(TestGrammars.Accepts(choice, "no"));
        Assert.True(TestGrammars.Accepts(choice, "not sure"));
        Assert.False(TestGrammars.Accepts(choice, "not"));
        Assert.False(TestGrammars.Accepts(choice, "yes "));
        var regex = new CompiledGrammar(RegexGrammar.Parse(@"\d{3}-\d{4}"));
        Assert.True(TestGrammars.Accepts(regex, "555-1234"));
        Assert.False(TestGrammars.Accepts(regex, "555-12345"));
    }

    [Fact]
    public void BuilderGrammarWithAmbiguityAndNullableRules()
    {
        // S ::= S S | "a" | ε (highly ambiguous, nullable, left-recursive)
        var b = new GrammarBuilder();
        var s = b.Rule("s");
        b.AddAlternative(s, s, s);
        b.AddAlternative(s, b.Literal("a"));
        b.AddAlternative(s);
        var g = new CompiledGrammar(b.Build(s));
        Assert.True(TestGrammars.Accepts(g, ""));
        Assert.True(TestGrammars.Accepts(g, "aaaa"));
        Assert.False(TestGrammars.Accepts(g, "ab"));
    }

    [Fact]
    public void GreedyLexingIsDocumentedBehaviour()
    {
        // [a-z]* is regular and merges with "x" into one lexeme: per-character semantics preserved.
        Assert.True(TestGrammars.Accepts(new CompiledGrammar(GbnfGrammar.Parse("root ::= [a-z]* \"x\"")), "abx"));
        // Lexeme followed by a recursive rule that starts with a letter: the lexeme takes the letters (llguidance semantics).
        // Per-character GBNF would accept "ac"; here [a-z]+ also eats the "c", so nothing is left for e.
        var g = new CompiledGrammar(GbnfGrammar.Parse("root ::= [a-z]+ e\ne ::= \"b\" e | \"c\""));
        Assert.False(TestGrammars.Accepts(g, "ac"));
        Assert.False(TestGrammars.Accepts(g, "abc"));
        // Separated by a byte the lexeme cannot take, the same rules work.
        var h = new CompiledGrammar(GbnfGrammar.Parse("root ::= [a-z]+ \" \" e\ne ::= \"b\" e | \"c\""));
        Assert.True(TestGrammars.Accepts(h, "a bbc"));
    }

    /// <summary>llama.cpp's arithmetic.gbnf shape: num's trailing ws could take the "\n" that must follow.</summary>
    [Fact]
    public void PerCharacterModeKeepsGbnfSemanticsWhereGreedyLexemesDiffer()
    {
        const string gbnf = """
            root  ::= (expr "=" ws term "\n")+
            expr  ::= term ([-+*/] term)*
            term  ::= ident | num | "(" ws expr ")" ws
            ident ::= [a-z] [a-z0-9_]* ws
            num   ::= [0-9]+ ws
            ws    ::= [ \t\n]*
            """;
        var greedy = new CompiledGrammar(GbnfGrammar.Parse(gbnf));
        var exact = new CompiledGrammar(GbnfGrammar.Parse(gbnf, perCharacterLexemes: true));
        Assert.False(TestGrammars.Accepts(greedy, "1+2=3\n")); // greedy: "3\n" is one num lexeme, no "\n" left
        Assert.True(TestGrammars.Accepts(exact, "1+2=3\n"));
        Assert.True(TestGrammars.Accepts(exact, "(a +b_1) *2 = x\ny=4 \n"));
        Assert.False(TestGrammars.Accepts(exact, "1+2=3"));
        Assert.False(TestGrammars.Accepts(exact, "1+=3\n"));
        var rng = new Random(4);
        // Per-character JSON accepts exactly what the merged-lexeme JSON grammar accepts on these documents.
        var exactJson = new CompiledGrammar(GbnfGrammar.Parse(TestGrammars.Json, perCharacterLexemes: true));
        for (int i = 0; i < 100; i++)
        {
            string doc = RandomJson.Document(rng, maxDepth: 3);
            Assert.True(TestGrammars.Accepts(exactJson, doc), doc);
            Assert.False(TestGrammars.Accepts(exactJson, doc + ","), doc);
        }
    }

    [Fact]
    public void GrammarCacheSharesCompiledGrammars()
    {
        var cache = new GrammarCache();
        var a = cache.GetOrCompile(GrammarSyntax.Gbnf, TestGrammars.Json);
        var b = cache.GetOrCompile(GrammarSyntax.Gbnf, TestGrammars.Json);
        Assert.Same(a, b);
        Assert.NotSame(a, cache.GetOrCompile(GrammarSyntax.Regex, "a+"));
        Assert.Throws<GrammarException>(() => cache.GetOrCompile(GrammarSyntax.Gbnf, "root ::= nope"));
        Assert.Equal(2, cache.Count);
    }
}

public class GbnfLimitsTests
{
    [Fact]
    public void LongRuleChainsCompileWithoutDeepRecursion()
    {
        var sb = new System.Text.StringBuilder("root ::= r0 \"!\"\n");
        for (int i = 0; i < 5000; i++) sb.Append($"r{i} ::= \"a\" r{i + 1}\n");
        sb.Append("r5000 ::= \"z\"\n");
        var g = new CompiledGrammar(GbnfGrammar.Parse(sb.ToString()));
        Assert.True(TestGrammars.Accepts(g, new string('a', 5000) + "z!"));
        Assert.False(TestGrammars.Accepts(g, new string('a', 4999) + "z!"));
    }
}
