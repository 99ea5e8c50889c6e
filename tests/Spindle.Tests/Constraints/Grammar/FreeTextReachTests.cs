using System.Text;
using Spindle.Constraints.Grammars;
using Spindle.Constraints.Lexing;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// The reach of lexer states over free text, checked as values: masks equal the plain walk whatever the reach, so only
/// these assertions notice a reach that is too small (slow) or computed from the wrong part of a state.
/// </summary>
public class FreeTextReachTests
{
    private static readonly int MaxDepth = RealVocabulary.Get("ggml-vocab-deepseek-llm.gguf").Trie.MaxDepth;

    /// <summary>The lexer of a one-lexeme grammar, and the state after <paramref name="text"/>.</summary>
    private static (FreeTextReach Reach, int State) After(string pattern, string text, string? except = null)
    {
        var b = new GrammarBuilder();
        var root = b.Rule("root");
        b.AddAlternative(root, b.Lexeme(RegexParser.Parse(pattern), except: except is null ? null : RegexParser.Parse(except)));
        var lexer = new CompiledGrammar(b.Build(root)).Lexer;
        int state = lexer.StartState([0]);
        foreach (byte value in Encoding.UTF8.GetBytes(text))
        {
            state = lexer.Step(state, value);
            Assert.NotEqual(LexerDfa.Dead, state);
        }
        return (new FreeTextReach(lexer, MaxDepth), state);
    }

    [Fact]
    public void FreeStringsHaveNoLimit()
    {
        Assert.True(MaxDepth > FreeTextReach.MaxLevels, "the vocabulary must have tokens longer than the search looks");
        var (reach, state) = After("\"[^\"\\\\]*\"", "\"");
        Assert.Equal(new FreeTextReach.Reach(MaxDepth, false), reach.Of(state));
        (reach, state) = After("\"[^\"\\\\]*\"", "\"naïve ");
        Assert.Equal(new FreeTextReach.Reach(MaxDepth, false), reach.Of(state));
    }

    [Fact]
    public void CountedStringsReachWhatIsLeftExactly()
    {
        var (reach, state) = After("\"[^\"\\\\]{0,10}\"", "\"abc");
        Assert.Equal(new FreeTextReach.Reach(7, false), reach.Of(state));
        // A two-byte character counts once: 9 characters are left, and any 9 bytes of slice text are at most 9 of them.
        (reach, state) = After("\"[^\"\\\\]{0,10}\"", "\"é");
        Assert.Equal(new FreeTextReach.Reach(9, false), reach.Of(state));
        // Longer than the search looks: a lower bound, marked open.
        (reach, state) = After("\"[^\"\\\\]{0,100}\"", "\"");
        Assert.Equal(new FreeTextReach.Reach(FreeTextReach.MaxLevels, true), reach.Of(state));
    }

    [Fact]
    public void LaterPositionsOfACountedStringComeFromTheFirstSearch()
    {
        var b = new GrammarBuilder();
        var root = b.Rule("root");
        b.AddAlternative(root, b.Lexeme(RegexParser.Parse("\"[^\"\\\\]{0,20}\"")));
        var lexer = new CompiledGrammar(b.Build(root)).Lexer;
        var reach = new FreeTextReach(lexer, MaxDepth);
        int state = lexer.Step(lexer.StartState([0]), (byte)'"');
        Assert.Equal(new FreeTextReach.Reach(20, false), reach.Of(state));
        int states = lexer.StateCount;
        for (int left = 19; left >= 0; left--)
        {
            state = lexer.Step(state, (byte)'x');
            Assert.Equal(new FreeTextReach.Reach(left, false), reach.Of(state));
        }
        Assert.Equal(states, lexer.StateCount); // no new search: the shortest path's distances were kept
    }

    [Fact]
    public void TextTheStateCannotTakeGivesZero()
    {
        var (reach, state) = After("\"[a-z]+\"", "\"");
        Assert.Equal(new FreeTextReach.Reach(0, false), reach.Of(state)); // no space
        (reach, state) = After("\"[ !#-\\[\\]-~]*\"", "\"");
        Assert.Equal(new FreeTextReach.Reach(0, false), reach.Of(state)); // no non-ASCII
        (reach, state) = After("-?[0-9]+", "-");
        Assert.Equal(new FreeTextReach.Reach(0, false), reach.Of(state));
    }

    [Fact]
    public void AnExceptionDoesNotLimitTheLexemeItVetoes()
    {
        // Inside "set", a prefix of both declared names: the free key part alone decides the reach.
        var (reach, state) = After("\"[^\"\\\\]*\"", "\"set", except: "\"(?:settings|setup)\"");
        Assert.Equal(new FreeTextReach.Reach(MaxDepth, false), reach.Of(state));
    }
}
