using System.Text;
using System.Text.RegularExpressions;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Lexing;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>The regex front-end (parser → NFA → lazy byte DFA) against .NET's ECMAScript-mode Regex on random strings.</summary>
public class LexerDfaDifferentialTests
{
    public static TheoryData<string> Patterns => new()
    {
        "a", "abc", "a|b|cd", "a*", "(?:ab)+", "a?b", "[a-c]+x", "[^a-c]*", @"\d+", @"\d{2,4}", "x{3}", "(?:a|b){2,}",
        @"\w+", @"\s*a", ".*", ".+b", "[é中]+", @"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?", "\"(?:[^\"\\\\]|\\\\.)*\"",
        "(?:a|ab)(?:c|bcd)", @"[\u00e9-\u4e2d]+", "a{0,3}b{1,2}", "(?:[a-z]+,)*[a-z]+", @"[\d\s]+", @"[^\w]+", "é|中文|a",
        "^ab$", "^a|^b$", "(a|b)*abb", @"\x41\u0042C", "[-a]+", "a+?b", @"[\]\\]+",
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void MatchesLikeDotNetRegex(string pattern)
    {
        var grammar = new CompiledGrammar(RegexGrammar.Parse(pattern));
        var reference = new Regex($"^(?:{pattern})\\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
        var alphabet = new List<char>("ab1 \n\"\\é中");
        foreach (char c in pattern) if (!alphabet.Contains(c) && c != '\r') alphabet.Add(c);
        var rng = new Random(pattern.GetHashCode(StringComparison.Ordinal) & 0x7FFFFFFF);
        int matches = 0;
        var sb = new StringBuilder();
        for (int i = 0; i < 3000; i++)
        {
            sb.Clear();
            if (i % 2 == 0)
            {
                // A string the regex generates, sometimes with one character changed.
                Sample(RegexParser.Parse(pattern), rng, sb, alphabet);
                if (sb.Length > 0 && rng.Next(3) == 0) sb[rng.Next(sb.Length)] = alphabet[rng.Next(alphabet.Count)];
                if (sb.Length == 0 || char.IsSurrogate(sb[^1])) continue;
            }
            else
            {
                int length = rng.Next(1, 9);
                for (int k = 0; k < length; k++) sb.Append(alphabet[rng.Next(alphabet.Count)]);
            }
            string s = sb.ToString();
            bool expected = reference.IsMatch(s);
            bool actual = TestGrammars.Accepts(grammar, s);
            Assert.True(expected == actual, $"pattern {pattern} on \"{Escape(s)}\": .NET {expected}, ours {actual}");
            if (expected) matches++;
        }
        Assert.True(matches > 0, $"no random string matched {pattern}; the test would prove nothing");
    }

    /// <summary>Appends a random string the regex matches, drawing characters from the alphabet when the set allows.</summary>
    private static void Sample(RegexNode node, Random rng, StringBuilder sb, List<char> alphabet)
    {
        switch (node)
        {
            case RegexCharSet cs:
                var candidates = alphabet.FindAll(c => cs.Set.Contains(c));
                for (int cp = 0x20; cp < 0x7F; cp++) if (cs.Set.Contains(cp)) candidates.Add((char)cp);
                if (candidates.Count > 0) sb.Append(candidates[rng.Next(candidates.Count)]);
                else if (!cs.Set.IsEmpty) sb.Append((char)cs.Set.Ranges[0].Low);
                break;
            case RegexConcat c: foreach (var item in c.Items) Sample(item, rng, sb, alphabet); break;
            case RegexAlternation a: Sample(a.Items[rng.Next(a.Items.Length)], rng, sb, alphabet); break;
            case RegexRepeat r:
                int count = r.Min + rng.Next((r.Max < 0 ? 3 : Math.Min(r.Max - r.Min, 3)) + 1);
                for (int k = 0; k < count; k++) Sample(r.Item, rng, sb, alphabet);
                break;
        }
    }

    private static string Escape(string s) => s.Replace("\n", "\\n").Replace("\t", "\\t");

    [Fact]
    public void AstralCodePointsAreSingleCharacters()
    {
        var grammar = new CompiledGrammar(RegexGrammar.Parse("[^a]{2}"));
        Assert.True(TestGrammars.Accepts(grammar, "🙂🙃"));
        Assert.False(TestGrammars.Accepts(grammar, "🙂"));
        Assert.True(TestGrammars.Accepts(grammar, "中🙂"));
        var dot = new CompiledGrammar(RegexGrammar.Parse(".\\u{1F642}"));
        Assert.True(TestGrammars.Accepts(dot, "x🙂"));
    }

    [Fact]
    public void InvalidUtf8IsNeverAccepted()
    {
        var grammar = new CompiledGrammar(RegexGrammar.Parse(".*"));
        var m = TestGrammars.ByteMatcher(grammar);
        Assert.False(m.TryAcceptBytes([0xC3, 0x28]));
        Assert.False(m.TryAcceptBytes([0xED, 0xA0, 0x80])); // a UTF-16 surrogate encoded as UTF-8
        Assert.False(m.TryAcceptBytes([0xFF]));
        Assert.True(m.TryAcceptBytes([0xC3]));
        Assert.False(m.IsAccepting); // half a character
        Assert.True(m.TryAcceptBytes([0xA9]));
        Assert.True(m.IsAccepting);
    }

    [Theory]
    [InlineData("a{1000}{1000}")]
    [InlineData("(?:(?:a{100}){100}){100}")]
    public void RepetitionBlowUpIsAClearError(string pattern)
    {
        var e = Assert.Throws<GrammarException>(() => new CompiledGrammar(RegexGrammar.Parse(pattern)));
        Assert.Contains("states", e.Message);
    }

    [Theory]
    [InlineData("a{2,1}", 2)]
    [InlineData("(ab", 4)]
    [InlineData("ab)", 3)]
    [InlineData("*a", 1)]
    [InlineData(@"(?=a)", 3)]
    [InlineData(@"\1", 3)]
    [InlineData("[b-a]", 5)]
    public void SyntaxErrorsHavePositions(string pattern, int column)
    {
        var e = Assert.Throws<GrammarException>(() => RegexGrammar.Parse(pattern));
        Assert.Equal(1, e.Line);
        Assert.Equal(column, e.Column);
    }

    [Fact]
    public void DeepNestingIsAClearError()
    {
        string pattern = new string('(', 1000) + "a" + new string(')', 1000);
        var e = Assert.Throws<GrammarException>(() => RegexGrammar.Parse(pattern));
        Assert.Contains("nested", e.Message);
    }

    [Fact]
    public void DfaStateBoundIsAClearError()
    {
        // (a|b)*a(a|b){12} needs 2^13 DFA states; a bound of 1000 must stop it with a GrammarException.
        var grammar = new CompiledGrammar(RegexGrammar.Parse("(?:a|b)*a(?:a|b){12}"), maxLexerStates: 1000);
        var rng = new Random(1);
        var e = Assert.Throws<GrammarException>(() =>
        {
            var m = TestGrammars.ByteMatcher(grammar);
            for (int i = 0; i < 100_000; i++) m.TryAcceptBytes([(byte)(rng.Next(2) == 0 ? 'a' : 'b')]);
        });
        Assert.Contains("DFA", e.Message);
    }
}
