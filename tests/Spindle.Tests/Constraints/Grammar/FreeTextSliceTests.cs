using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// The free-text slice (tokens that are JSON-string text from their first byte) and the mask builds that start from it:
/// the slice's per-node facts against brute force over the tokens, and cached masks against the plain trie walk where
/// the slice is used optimistically (free strings, extra keys beside declared ones), by reach (counted strings, to
/// their last character) and not at all (patterns without a space).
/// </summary>
public class FreeTextSliceTests
{
    public static TheoryData<string> Vocabularies => new() { "ggml-vocab-llama-spm.gguf", "ggml-vocab-deepseek-llm.gguf" };

    private static bool IsSliceText(ReadOnlySpan<byte> bytes)
    {
        int utf8 = Utf8Prefix.Boundary;
        foreach (byte b in bytes)
        {
            if (!FreeTextSlice.IsSliceByte(b)) return false;
            utf8 = Utf8Prefix.Step(utf8, b);
            if (utf8 == Utf8Prefix.Invalid) return false;
        }
        return true;
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void SliceMasksHoldExactlyTheShortEnoughSliceTokens(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var trie = vocab.Trie;
        var slice = trie.FreeText;
        foreach (int length in new[] { 0, 1, 3, 8, trie.MaxDepth })
        {
            var mask = slice.MaskUpTo(length);
            int count = 0;
            for (int node = 1; node < trie.NodeCount; node++)
                foreach (int id in trie.TokensAt(node))
                {
                    var bytes = vocab.Vocabulary.TokenBytes(id);
                    bool expected = bytes.Length <= length && IsSliceText(bytes);
                    Assert.Equal(expected, (mask[id >> 6] >> (id & 63) & 1) != 0);
                    if (expected) count++;
                }
            if (length == trie.MaxDepth) Assert.Equal(slice.TokenCount, count);
        }
        Assert.True(slice.TokenCount > trie.Vocabulary.TokenCount / 2, "most of a vocabulary is free text");
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void SubtreeFlagsAndSiblingSkipsMatchTheTokensBelow(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var trie = vocab.Trie;
        var slice = trie.FreeText;
        var ends = trie.SubtreeEnds;
        var depths = trie.NodeDepths;
        var inSlice = slice.SubtreeInSlice;
        var pathIn = slice.PathInSlice;
        var skips = slice.SkipSiblings;
        var path = new byte[trie.MaxDepth];
        for (int node = 1; node < trie.NodeCount; node++)
        {
            path[depths[node] - 1] = trie.NodeBytes[node];
            Assert.Equal(IsSliceText(path.AsSpan(0, depths[node])), pathIn[node]);
            if (node % 7 != 0) continue; // the subtree check is quadratic: every seventh node
            bool all = pathIn[node];
            for (int i = node + 1; i < ends[node] && all; i++) all = pathIn[i];
            Assert.Equal(all, inSlice[node]);
            if (!inSlice[node]) continue;
            int expected = ends[node];
            while (expected < trie.NodeCount && depths[expected] == depths[node] && inSlice[expected]) expected = ends[expected];
            Assert.Equal(expected, skips[node]);
        }
    }

    /// <summary>Masks through the cache equal the plain walk at every step of texts that go through each kind of state.</summary>
    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void CachedMasksEqualThePlainWalk(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        string longText = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet, ", 12));
        (CompiledGrammar Grammar, string Text)[] cases =
        [
            // Extra keys beside declared ones (the extra key excludes the declared names), free values with non-ASCII.
            (LexerTokenCacheShortcutTests.Schema("""{"type":"object","properties":{"settings":{"type":"string"},"setup":{"type":"integer"}}}"""),
                """{"settingsX":"naïve café – 東京 😀","setup":3,"set":"x","settings":"a \"quoted\" word"}"""),
            // A counted string filled to its last character, and a short one.
            (LexerTokenCacheShortcutTests.Schema("""{"type":"object","properties":{"a":{"type":"string","maxLength":300},"b":{"type":"string","minLength":2,"maxLength":12}},"required":["a","b"],"additionalProperties":false}"""),
                "{\"a\":\"" + longText[..300] + "\",\"b\":\"twelve chars\"}"),
            // A pattern that takes no space: no slice at all.
            (LexerTokenCacheShortcutTests.Schema("""{"type":"array","items":{"type":"string","pattern":"^[A-Za-z0-9_]{1,40}$"}}"""), """["snake_case_identifier_42","X"]"""),
            // A free string next to an enum and a format in anyOf.
            (LexerTokenCacheShortcutTests.Schema("""{"type":"array","items":{"anyOf":[{"enum":["alpha","beta"]},{"type":"string","format":"date"},{"type":"string","maxLength":20}]}}"""),
                """["alpha","2024-02-29","alphabet soup","be"]"""),
            (new CompiledGrammar(RegexGrammar.Parse("\"[^\"]{0,25}\"x")), "\"twenty-five characters..\"x"),
        ];
        foreach (var (grammar, text) in cases) LexerTokenCacheShortcutTests.AssertCacheMatchesWalk(vocab.Trie, grammar, text);
    }

    /// <summary>
    /// A vocabulary with tokens longer than the reach search looks (<see cref="FreeTextReach.MaxLevels"/>): counted strings
    /// whose reach is open take the optimistic build, which must clear the slice tokens too long for what is left.
    /// </summary>
    [Fact]
    public void OpenReachClearsTokensLongerThanWhatIsLeft()
    {
        var words = new List<string>();
        for (int b = 0x20; b < 0x7F; b++) words.Add(((char)b).ToString());
        foreach (int n in new[] { 2, 5, 16, 31, 33, 34, 35, 40, 60 }) { words.Add(new string(' ', n)); words.Add(new string('a', n)); }
        words.AddRange(["é", "東京", "lorem ipsum dolor sit amet consectetur", "\"end", "\\n"]);
        var vocabulary = new WordVocabulary(words);
        var trie = new TokenTrie(vocabulary);
        var cached = new TokenMask(vocabulary.TokenCount);
        var walked = new TokenMask(vocabulary.TokenCount);
        foreach (int max in new[] { 34, 40, 70 })
        {
            var grammar = new CompiledGrammar(RegexGrammar.Parse("\"[^\"\\\\]{0," + max + "}\""));
            // With more than the search looks left, the reach is open and the build optimistic: it must clear.
            var reach = new FreeTextReach(grammar.Lexer, trie.MaxDepth);
            int opened = grammar.Lexer.Step(grammar.Lexer.StartState([0]), (byte)'"');
            Assert.Equal(new FreeTextReach.Reach(FreeTextReach.MaxLevels, true), reach.Of(opened));
            for (int filled = 0; filled <= max; filled += 3)
            {
                var m = new Matcher(grammar, trie);
                Assert.True(m.TryAcceptBytes(Encoding.UTF8.GetBytes("\"" + new string('x', filled))));
                m.UseTokenCache = true;
                m.ComputeMask(cached);
                m.UseTokenCache = false;
                m.ComputeMask(walked);
                Assert.True(cached.Words.SequenceEqual(walked.Words), $"max {max}, {filled} filled");
                Assert.Equal(filled + 60 <= max, walked[vocabulary.IdOf(new string('a', 60))]);
            }
        }
    }

    private sealed class WordVocabulary(List<string> words) : IConstraintVocabulary
    {
        private readonly byte[][] _bytes = words.ConvertAll(Encoding.UTF8.GetBytes).ToArray();

        public int IdOf(string word) => words.IndexOf(word);
        public int TokenCount => _bytes.Length;
        public ReadOnlySpan<byte> TokenBytes(int tokenId) => _bytes[tokenId];
        public bool IsSpecial(int tokenId) => false;
        public int EosId => -1;
        public ReadOnlySpan<int> EndOfGenerationIds => [];
    }

    /// <summary>
    /// A 152k-token vocabulary (deepseek-llm's 102k tokens and 50k more: random words, CJK pairs, long runs): masks
    /// through the cache equal the plain walk on a JSON object with free, counted and keyed strings.
    /// </summary>
    [Fact]
    public void LargestVocabulariesWork()
    {
        var deepseek = RealVocabulary.Get("ggml-vocab-deepseek-llm.gguf").Vocabulary;
        var extra = new List<byte[]>();
        var rng = new Random(150_000);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (extra.Count < 50_000)
        {
            string word = rng.Next(4) switch
            {
                0 => " " + RandomLetters(rng, rng.Next(3, 12)),
                1 => new string((char)rng.Next(0x4E00, 0x9FA5), 1) + (char)rng.Next(0x4E00, 0x9FA5),
                2 => new string(" =-_#*"[rng.Next(6)], rng.Next(8, 64)),
                _ => RandomLetters(rng, rng.Next(2, 9)) + "\":",
            };
            if (seen.Add(word)) extra.Add(Encoding.UTF8.GetBytes(word));
        }
        var vocabulary = new ExtendedVocabulary(deepseek, extra);
        Assert.True(vocabulary.TokenCount >= 150_000);
        var trie = new TokenTrie(vocabulary);
        var grammar = LexerTokenCacheShortcutTests.Schema("""{"type":"object","properties":{"title":{"type":"string","maxLength":40},"body":{"type":"string"}},"required":["title"]}""");
        int masks = LexerTokenCacheShortcutTests.AssertCacheMatchesWalk(trie, grammar,
            """{"title":"東京 weather report ===","body":"Sunny, 23 °C; wind ----- light","extra_key":"x"}""");
        Assert.True(masks > 10);
    }

    private static string RandomLetters(Random rng, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = (char)('a' + rng.Next(26));
        return new string(chars);
    }

    private sealed class ExtendedVocabulary(IConstraintVocabulary inner, List<byte[]> extra) : IConstraintVocabulary
    {
        public int TokenCount => inner.TokenCount + extra.Count;
        public ReadOnlySpan<byte> TokenBytes(int tokenId) => tokenId < inner.TokenCount ? inner.TokenBytes(tokenId) : extra[tokenId - inner.TokenCount];
        public bool IsSpecial(int tokenId) => tokenId < inner.TokenCount && inner.IsSpecial(tokenId);
        public int EosId => inner.EosId;
        public ReadOnlySpan<int> EndOfGenerationIds => inner.EndOfGenerationIds;
    }
}
