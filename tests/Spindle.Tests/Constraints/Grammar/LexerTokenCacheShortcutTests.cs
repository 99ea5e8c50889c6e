using System.Text;
using System.Text.Json;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// The lexer token cache skips trie subtrees whose bytes all loop on the current lexer state (free strings) and the
/// grammar builder names fresh rules from a per-hint counter: both must give exactly what the plain computation gives.
/// </summary>
public class LexerTokenCacheShortcutTests
{
    public static TheoryData<string> Vocabularies => new() { "ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf" };

    /// <summary>Every node's byte groups are exactly the groups of the bytes in its subtree (brute force).</summary>
    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void SubtreeByteGroupsAreTheBytesBelowEachNode(string vocabFile)
    {
        var trie = RealVocabulary.Get(vocabFile).Trie;
        var bytes = trie.NodeBytes;
        var ends = trie.SubtreeEnds;
        var groups = trie.SubtreeByteGroups;
        for (int node = 0; node < trie.NodeCount; node += node < 2000 ? 1 : 37)
        {
            ulong low = 0, high = 0;
            for (int i = node == 0 ? 1 : node; i < ends[node]; i++)
            {
                int g = TokenTrie.ByteGroup(bytes[i]);
                if (g < 64) low |= 1UL << g;
                else high |= 1UL << (g - 64);
            }
            Assert.Equal(low, groups[2 * node]);
            Assert.Equal(high, groups[2 * node + 1]);
        }
    }

    [Fact]
    public void ByteGroupsSeparatePrintableAsciiAndFoldTheRest()
    {
        var seen = new HashSet<int>();
        for (int b = 0x20; b < 0x80; b++) Assert.True(seen.Add(TokenTrie.ByteGroup((byte)b)));
        Assert.Equal(TokenTrie.ByteGroup(0x00), TokenTrie.ByteGroup(0x1F));
        Assert.Equal(TokenTrie.ByteGroup(0x80), TokenTrie.ByteGroup(0xBF));
        Assert.NotEqual(TokenTrie.ByteGroup(0xBF), TokenTrie.ByteGroup(0xC0));
        for (int b = 0; b < 256; b++) Assert.InRange(TokenTrie.ByteGroup((byte)b), 0, TokenTrie.ByteGroupCount - 1);
    }

    /// <summary>
    /// Grammars whose lexer states loop on many bytes (free strings, bounded strings, classes with and without non-ASCII):
    /// masks through the cache (shortcut on) equal the plain trie walk at every step of an accepted text.
    /// </summary>
    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf")]
    [InlineData("ggml-vocab-gpt-2.gguf")]
    public void LoopingStatesGiveTheFullWalkMask(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        // Texts are spelled by longest-match tokens over their exact bytes (no SentencePiece space prefix).
        (CompiledGrammar Grammar, string Text)[] cases =
        [
            (Schema("""{"type":"object","properties":{"name":{"type":"string"},"note":{"type":"string","maxLength":5}},"required":["name","note"]}"""),
                """{"name":"Ada \"Lovelace\" née Byron, 1815 – 1852 😀 tab\tend","note":"abc"}"""),
            (Schema("""{"type":"array","items":{"type":"string","pattern":"^[a-z ]+$"}}"""), """["hello world","a b c"]"""),
            (new CompiledGrammar(RegexGrammar.Parse("[a-z ]*x[^x]*")), "the quick brown fox jumps over the lazy dog"),
            (new CompiledGrammar(RegexGrammar.Parse("(?:[^\"\\\\]|\\\\.)*\"")), "free text with \\\"escapes\\\" and ünïcödé\""),
        ];
        foreach (var (grammar, text) in cases) Assert.True(AssertCacheMatchesWalk(vocab.Trie, grammar, text) > 5, text);
    }

    /// <summary>
    /// Spells <paramref name="text"/> with longest-match tokens and, before each token and at the end, asserts the mask
    /// through the cache equals the plain trie walk; the text must be accepted. Returns the number of masks compared.
    /// </summary>
    internal static int AssertCacheMatchesWalk(TokenTrie trie, CompiledGrammar grammar, string text)
    {
        var cached = new TokenMask(trie.Vocabulary.TokenCount);
        var walked = new TokenMask(trie.Vocabulary.TokenCount);
        var m = new Matcher(grammar, trie);
        int[] ids = GreedyTokens(trie, Encoding.UTF8.GetBytes(text));
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
        return ids.Length + 1;
    }

    /// <summary>Longest-match tokens spelling <paramref name="bytes"/> exactly (no space prefix).</summary>
    internal static int[] GreedyTokens(RealVocabulary vocab, byte[] bytes) => GreedyTokens(vocab.Trie, bytes);

    /// <summary>Longest-match tokens of <paramref name="trie"/> spelling <paramref name="bytes"/> exactly.</summary>
    internal static int[] GreedyTokens(TokenTrie trie, byte[] bytes)
    {
        var ids = new List<int>();
        for (int position = 0; position < bytes.Length;)
        {
            int node = 0, best = -1, length = 0;
            for (int i = position; i < bytes.Length && (node = trie.Child(node, bytes[i])) >= 0; i++)
                if (trie.TokensAt(node).Length > 0) { best = trie.TokensAt(node)[0]; length = i + 1 - position; }
            Assert.True(best >= 0);
            ids.Add(best);
            position += length;
        }
        return [.. ids];
    }

    internal static CompiledGrammar Schema(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return new CompiledGrammar(JsonSchemaCompiler.Compile(doc.RootElement.Clone(), JsonSchemaCompilerOptions.Default));
    }

    [Fact]
    public void FreshRuleNamesStayUniqueAndNumberedInOrder()
    {
        var b = new Spindle.Constraints.Grammars.GrammarBuilder();
        b.Rule("seq#2"); // taken by hand: the counter must skip it
        var names = new List<int>();
        for (int i = 0; i < 5; i++) names.Add(b.NewRule("seq").Index);
        var x = b.Literal("x");
        foreach (int r in names) b.AddAlternative(Spindle.Constraints.Grammars.GrammarSymbol.Rule(r), x);
        var root = b.Rule("root");
        b.AddAlternative(root, Spindle.Constraints.Grammars.GrammarSymbol.Rule(names[^1]));
        b.AddAlternative(b.Rule("seq#2"), x);
        var g = b.Build(root);
        string[] expected = ["seq", "seq#1", "seq#3", "seq#4", "seq#5"];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], g.Rules[names[i]].Name);
    }

    [Fact]
    public void UndefinedReachableRuleIsStillReported()
    {
        var b = new Spindle.Constraints.Grammars.GrammarBuilder();
        var root = b.Rule("root");
        b.Rule("unused"); // undefined but unreachable: fine
        b.AddAlternative(root, b.Literal("a"), b.Rule("missing"));
        var e = Assert.Throws<GrammarException>(() => b.Build(root));
        Assert.Contains("'missing'", e.Message);
    }
}

public class Utf8PrefixTests
{
    /// <summary>The validator agrees with .NET's strict decoder on every 1–4 byte string built from boundary bytes.</summary>
    [Fact]
    public void AgreesWithStrictDecoder()
    {
        var strict = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        byte[] probes = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF];
        foreach (byte a in probes)
            foreach (byte b in probes)
                foreach (byte c in probes)
                    foreach (byte d in probes)
                    {
                        byte[] bytes = [a, b, c, d];
                        int state = Spindle.Constraints.Vocabulary.Utf8Prefix.Boundary;
                        foreach (byte x in bytes) state = Spindle.Constraints.Vocabulary.Utf8Prefix.Step(state, x);
                        bool decodes;
                        try { strict.GetCharCount(bytes); decodes = true; }
                        catch (System.Text.DecoderFallbackException) { decodes = false; }
                        Assert.Equal(decodes, state == Spindle.Constraints.Vocabulary.Utf8Prefix.Boundary);
                    }
    }
}
