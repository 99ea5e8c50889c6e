using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

/// <summary>
/// Masks on real vocabularies: every token of a tokenized valid document is allowed at its step (soundness: never block
/// a valid string), invalid documents are rejected, and sampled masks equal brute force (each token tried alone).
/// </summary>
public class MaskSoundnessTests
{
    public static TheoryData<string> Vocabularies => new() { "ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf" };

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void ValidDocumentsAreNeverBlocked(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var rng = new Random(7);
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        int documents = 0, steps = 0;
        for (int d = 0; d < 40; d++)
        {
            string doc = RandomJson.Document(rng);
            // SentencePiece prefixes a space; the grammar allows leading whitespace, so the encoded text is still valid.
            int[]? ids = vocab.TokenizeExactly(doc, Encoding.UTF8.GetBytes(vocab.Tokenizer.Vocabulary.AddSpacePrefix ? " " + doc : doc));
            if (ids == null) continue;
            documents++;
            var m = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie);
            foreach (int id in ids)
            {
                m.ComputeMask(mask);
                Assert.True(mask[id], $"token {id} '{Encoding.UTF8.GetString(vocab.Vocabulary.TokenBytes(id))}' blocked in {doc}");
                Assert.True(m.TryAccept(id));
                steps++;
            }
            Assert.True(m.IsAccepting, doc);
            m.ComputeMask(mask);
            Assert.True(mask[vocab.Vocabulary.EosId]);
            Assert.True(m.TryAccept(vocab.Vocabulary.EosId));
            m.ComputeMask(mask);
            Assert.Equal(0, mask.Count());
        }
        Assert.True(documents >= 30, $"only {documents} documents tokenized exactly");
        Assert.True(steps > 300);
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void InvalidDocumentsAreRejected(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var rng = new Random(11);
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        int rejected = 0;
        for (int d = 0; d < 60; d++)
        {
            string doc = RandomJson.Document(rng);
            var sb = new StringBuilder(doc);
            // Breaking mutations: an unbalanced bracket, a stray comma before a closer, or a bare word.
            switch (rng.Next(3))
            {
                case 0: sb.Append(rng.Next(2) == 0 ? "]" : "}"); break;
                case 1: sb.Insert(0, "[1,"); break;
                default: sb.Insert(sb.Length, " x"); break;
            }
            string bad = sb.ToString();
            Assert.False(TestGrammars.Accepts(TestGrammars.JsonCompiled.Value, bad), bad);
            string text = vocab.Tokenizer.Vocabulary.AddSpacePrefix ? " " + bad : bad;
            int[]? ids = vocab.TokenizeExactly(bad, Encoding.UTF8.GetBytes(text));
            if (ids == null) continue;
            var m = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie);
            bool blocked = false;
            foreach (int id in ids)
            {
                m.ComputeMask(mask);
                if (!mask[id])
                {
                    Assert.False(m.TryAccept(id));
                    blocked = true;
                    break;
                }
                Assert.True(m.TryAccept(id));
            }
            if (!blocked) Assert.False(m.IsAccepting, bad);
            rejected++;
        }
        Assert.True(rejected >= 40);
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void SampledMasksEqualBruteForce(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var rng = new Random(3);
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        int compared = 0;
        for (int d = 0; d < 12 && compared < 24; d++)
        {
            string doc = RandomJson.Document(rng, maxDepth: 3);
            string text = vocab.Tokenizer.Vocabulary.AddSpacePrefix ? " " + doc : doc;
            int[]? ids = vocab.TokenizeExactly(doc, Encoding.UTF8.GetBytes(text));
            if (ids == null) continue;
            var m = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie);
            for (int step = 0; step <= ids.Length; step++)
            {
                if (step % 3 == 0)
                {
                    m.ComputeMask(mask);
                    for (int id = 0; id < vocab.Vocabulary.TokenCount; id++)
                    {
                        bool allowed = m.TryAccept(id);
                        if (allowed) m.Rollback(1);
                        if (allowed != mask[id])
                            Assert.Fail($"step {step} of {doc}: token {id} '{Encoding.UTF8.GetString(vocab.Vocabulary.TokenBytes(id))}' mask {mask[id]}, TryAccept {allowed}");
                    }
                    Assert.True(mask.Count() > 0);
                    compared++;
                }
                if (step < ids.Length) Assert.True(m.TryAccept(ids[step]));
            }
        }
        Assert.True(compared >= 10);
    }

    /// <summary>The per-lexer-state cache (copy + frontier walk) gives exactly the full trie walk's mask at every step.</summary>
    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void CachedMasksEqualFullWalk(string vocabFile)
    {
        var vocab = RealVocabulary.Get(vocabFile);
        var rng = new Random(21);
        var cached = new TokenMask(vocab.Vocabulary.TokenCount);
        var walked = new TokenMask(vocab.Vocabulary.TokenCount);
        int steps = 0;
        for (int d = 0; d < 25; d++)
        {
            string doc = RandomJson.Document(rng);
            string text = vocab.Tokenizer.Vocabulary.AddSpacePrefix ? " " + doc : doc;
            int[]? ids = vocab.TokenizeExactly(doc, Encoding.UTF8.GetBytes(text));
            if (ids == null) continue;
            var m = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie);
            for (int i = 0; i <= ids.Length; i++)
            {
                m.UseTokenCache = true;
                m.ComputeMask(cached);
                m.UseTokenCache = false;
                m.ComputeMask(walked);
                Assert.True(cached.Words.SequenceEqual(walked.Words), $"step {i} of {doc}");
                steps++;
                if (i < ids.Length) Assert.True(m.TryAccept(ids[i]));
            }
        }
        Assert.True(steps > 200);
    }

    [Fact]
    public void SpecialTokensAreNeverAllowed()
    {
        var vocab = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");
        var m = new Matcher(new Spindle.Constraints.Parsing.CompiledGrammar(Spindle.Constraints.FrontEnds.RegexGrammar.Parse("(?:.|\\n)*")), vocab.Trie);
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        m.ComputeMask(mask);
        for (int id = 0; id < vocab.Vocabulary.TokenCount; id++)
        {
            if (id == vocab.Vocabulary.EosId) Assert.True(mask[id]);
            else if (vocab.Vocabulary.IsSpecial(id)) Assert.False(mask[id]);
        }
        Assert.False(m.TryAccept(vocab.Tokenizer.Vocabulary.BosId));
    }
}

public class MaskAllocationTests
{
    /// <summary>Once the lazy caches are warm, computing masks and accepting tokens allocates nothing.</summary>
    [Fact]
    public void WarmMaskComputationDoesNotAllocate()
    {
        var vocab = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");
        string doc = "{\"name\": \"Ada Lovelace\", \"tags\": [1, 2.5, true, null], \"nested\": {\"k\": \"v\"}}";
        int[] ids = vocab.TokenizeExactly(doc, Encoding.UTF8.GetBytes(" " + doc))!;
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        foreach (bool useCache in new[] { true, false })
        {
            var warm = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie) { UseTokenCache = useCache };
            foreach (int id in ids) { warm.ComputeMask(mask); warm.TryAccept(id); }
            warm.Rollback(ids.Length);
            long maskBytes = 0, acceptBytes = 0;
            foreach (int id in ids)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                warm.ComputeMask(mask);
                long middle = GC.GetAllocatedBytesForCurrentThread();
                bool accepted = warm.TryAccept(id);
                long after = GC.GetAllocatedBytesForCurrentThread();
                maskBytes += middle - before;
                acceptBytes += after - middle;
                Assert.True(accepted);
            }
            Assert.Equal((useCache, 0L, 0L), (useCache, maskBytes, acceptBytes));
        }
    }
}
