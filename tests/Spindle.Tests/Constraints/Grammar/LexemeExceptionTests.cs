using System.Text.RegularExpressions;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// A lexeme with an exception matches what its regex matches unless the exception matches the same bytes; checked by
/// brute force over every short string, alone and followed by another lexeme (where the veto decides where the greedy
/// lexer may end it).
/// </summary>
public class LexemeExceptionTests
{
    private const string Alphabet = "fobarx1\"";

    private static IEnumerable<string> AllStrings(int maxLength)
    {
        var current = new List<string> { "" };
        for (int length = 1; length <= maxLength; length++)
        {
            var next = new List<string>();
            foreach (string prefix in current)
                foreach (char c in Alphabet) next.Add(prefix + c);
            foreach (string s in next) yield return s;
            current = next;
        }
    }

    [Fact]
    public void QuotedWordsExceptSomeMatchExactlyTheOthers()
    {
        var b = new GrammarBuilder();
        var root = b.Rule("root");
        b.AddAlternative(root, b.Lexeme(RegexParser.Parse("\"[a-z]*\""), except: RegexParser.Parse("\"(?:foo|fo|bar|)\"")));
        var grammar = new CompiledGrammar(b.Build(root));
        var regex = new Regex("^\"[a-z]*\"\\z", RegexOptions.CultureInvariant);
        var except = new Regex("^\"(?:foo|fo|bar|)\"\\z", RegexOptions.CultureInvariant);
        int accepted = 0, vetoed = 0;
        foreach (string s in AllStrings(6))
        {
            bool expected = regex.IsMatch(s) && !except.IsMatch(s);
            Assert.True(expected == TestGrammars.Accepts(grammar, s), s);
            if (expected) accepted++;
            else if (regex.IsMatch(s)) vetoed++;
        }
        Assert.True(accepted > 100 && vetoed == 4);
    }

    [Fact]
    public void VetoedMatchIsNoPlaceToEndTheLexeme()
    {
        // word digit: the word is any letters but "foo"; greedy lexing must not end the word at a vetoed "foo".
        var b = new GrammarBuilder();
        var root = b.Rule("root");
        b.AddAlternative(root, b.Lexeme(RegexParser.Parse("[a-z]+"), except: RegexParser.Parse("foo")), b.Lexeme(RegexParser.Parse("1")));
        var grammar = new CompiledGrammar(b.Build(root));
        var reference = new Regex("^(?!foo1\\z)[a-z]+1\\z", RegexOptions.CultureInvariant);
        foreach (string s in AllStrings(6))
            Assert.True(reference.IsMatch(s) == TestGrammars.Accepts(grammar, s), s);
        Assert.True(TestGrammars.Accepts(grammar, "fooo1"));
        Assert.False(TestGrammars.Accepts(grammar, "foo1"));
    }

    [Fact]
    public void ExceptionStatesStayOutOfTheLexemesOwnPart()
    {
        var b = new GrammarBuilder();
        var root = b.Rule("root");
        b.AddAlternative(root, b.Lexeme(RegexParser.Parse("\"[a-z]*\""), except: RegexParser.Parse("\"(?:foo|bar)\"")));
        var grammar = new CompiledGrammar(b.Build(root));
        var nfa = grammar.Nfa;
        var (start, end) = nfa.StatesOf(0);
        Assert.Equal(nfa.ExceptStatesStart, end);
        for (int s = start; s < end; s++) Assert.NotEqual(LexemeNfa.KindVeto, nfa.Kind[s]);
        Assert.Equal(nfa.LexemeCount, nfa.LexemeOf(nfa.StateCount - 1));
        // Identical regexes with and without an exception are different lexemes; the grammar text tells them apart.
        var c = new GrammarBuilder();
        var plain = c.Lexeme(RegexParser.Parse("a+"));
        var excepted = c.Lexeme(RegexParser.Parse("a+"), except: RegexParser.Parse("aa"));
        Assert.NotEqual(plain.Index, excepted.Index);
    }
}
