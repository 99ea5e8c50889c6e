using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Lexing;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// States that agree on every short byte string share (or patch) cached token masks: the agreement depth must be exact
/// against brute force, and masks through shared or patched entries must equal the plain trie walk.
/// </summary>
public class LexerStateAgreementTests
{
    [Theory]
    [InlineData("[ab]{0,6}c")]
    [InlineData("x[ab]{2,5}(c|dd)")]
    [InlineData("(ab|ba)*c{1,6}")]
    public void AgreementDepthIsTheBruteForceDepth(string regex)
    {
        var grammar = new CompiledGrammar(RegexGrammar.Parse(regex));
        var dfa = grammar.Lexer;
        byte[] alphabet = "abcdx"u8.ToArray();
        // States reachable in a few bytes from the start, including the start.
        var states = new List<int> { dfa.StartState([0]) };
        for (int i = 0; i < states.Count && states.Count < 40; i++)
            foreach (byte b in alphabet)
            {
                int next = dfa.Step(states[i], b);
                if (next >= 0 && !states.Contains(next)) states.Add(next);
            }
        const int maxDepth = 4;
        int checkedPairs = 0, partial = 0;
        foreach (int a in states)
            foreach (int b in states)
            {
                int expected = BruteForceDepth(dfa, a, b, alphabet, maxDepth);
                Assert.Equal(expected, LexerStateAgreement.Depth(dfa, a, b, maxDepth, alphabet, 1 << 20));
                checkedPairs++;
                if (expected > 0 && expected < maxDepth) partial++;
            }
        Assert.True(checkedPairs > 20 && partial > 0, $"{checkedPairs} pairs, {partial} partially agreeing");
    }

    /// <summary>Largest d ≤ max such that every string of length ≤ d gives both states the same label (-1: differ at once).</summary>
    private static int BruteForceDepth(LexerDfa dfa, int a, int b, byte[] alphabet, int max)
    {
        if (!SameLabel(dfa, a, b)) return -1;
        var level = new List<(int, int)> { (a, b) };
        for (int d = 1; d <= max; d++)
        {
            var next = new List<(int, int)>();
            foreach (var (x, y) in level)
                foreach (byte v in alphabet)
                {
                    int nx = dfa.Step(x, v), ny = dfa.Step(y, v);
                    if ((nx < 0) != (ny < 0)) return d - 1;
                    if (nx < 0) continue;
                    if (!SameLabel(dfa, nx, ny)) return d - 1;
                    next.Add((nx, ny));
                }
            level = next;
        }
        return max;
    }

    private static bool SameLabel(LexerDfa dfa, int x, int y) =>
        dfa.IsAccepting(x) == dfa.IsAccepting(y) && dfa.CanExtend(x) == dfa.CanExtend(y)
        && dfa.AcceptedLexemes(x).SequenceEqual(dfa.AcceptedLexemes(y));

    /// <summary>
    /// Counted strings and patterns (a distinct lexer state per character position) and objects with literal keys: at
    /// every step of an accepted text the cached mask, built through shared and patched entries, equals the plain walk.
    /// </summary>
    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf")]
    [InlineData("ggml-vocab-gpt-2.gguf")]
    public void SharedAndPatchedEntriesGiveThePlainWalkMask(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        string longText = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog, ", 6));
        (CompiledGrammar Grammar, string Text)[] cases =
        [
            (LexerTokenCacheShortcutTests.Schema("""{"type":"object","properties":{"note":{"type":"string","minLength":3,"maxLength":300}},"required":["note"]}"""),
                $$"""{"note":"{{longText}}"}"""),
            (LexerTokenCacheShortcutTests.Schema("""{"type":"array","items":{"type":"string","pattern":"^[a-z ,]{5,400}$"}}"""),
                $"""["{longText}","{longText[..40]}"]"""),
            (LexerTokenCacheShortcutTests.Schema("""{"type":"object","properties":{"alpha":{"type":"integer"},"beta":{"type":"string","maxLength":60},"gamma":{"type":"boolean"}},"additionalProperties":{"type":"string"}}"""),
                """{"alpha":12,"beta":"short text here","gamma":true,"other":"free text ü"}"""),
            (new CompiledGrammar(RegexGrammar.Parse("[a-z ,]{0,500}x")), longText + "x"),
        ];
        var cached = new TokenMask(vocab.Vocabulary.TokenCount);
        var walked = new TokenMask(vocab.Vocabulary.TokenCount);
        int reused = 0;
        foreach (var (grammar, text) in cases)
        {
            grammar.TokenCacheFor(vocab.Trie).ShareAgreeingStates = true;
            var m = new Matcher(grammar, vocab.Trie);
            int[] ids = LexerTokenCacheShortcutTests.GreedyTokens(vocab, Encoding.UTF8.GetBytes(text));
            for (int i = 0; i <= ids.Length; i++)
            {
                m.UseTokenCache = true;
                m.ComputeMask(cached);
                m.UseTokenCache = false;
                m.ComputeMask(walked);
                Assert.True(cached.Words.SequenceEqual(walked.Words), $"step {i} of {text}");
                if (i < ids.Length) Assert.True(m.TryAccept(ids[i]), $"token {i} of {text}");
            }
            Assert.True(m.IsAccepting, text);
            var cache = grammar.TokenCacheFor(vocab.Trie);
            reused += cache.SharedCount + cache.PatchedCount;
        }
        Assert.True(reused > 0, "no entry was shared or patched");
    }
}
