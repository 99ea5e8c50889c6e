using FsCheck;
using FsCheck.Fluent;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

public class TokenTrieAndMaskTests
{
    [Fact]
    public void TrieHoldsEveryNonSpecialTokenOnce()
    {
        var vocab = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");
        var trie = vocab.Trie;
        var seen = new bool[vocab.Vocabulary.TokenCount];
        for (int node = 1; node < trie.NodeCount; node++)
            foreach (int id in trie.TokensAt(node))
            {
                Assert.False(seen[id]);
                seen[id] = true;
            }
        for (int id = 0; id < seen.Length; id++)
        {
            bool expected = !vocab.Vocabulary.IsSpecial(id) && vocab.Vocabulary.TokenBytes(id).Length > 0;
            Assert.Equal(expected, seen[id]);
            if (!expected) continue;
            // Walking the bytes from the root ends at a node that lists the token.
            int node = 0;
            foreach (byte b in vocab.Vocabulary.TokenBytes(id)) node = trie.Child(node, b);
            Assert.Contains(id, trie.TokensAt(node).ToArray());
        }
    }

    [Fact]
    public void MaskOperationsMatchABoolArray()
    {
        Prop.ForAll(Gen.Choose(0, 300).SelectMany(n => Gen.ListOf(Gen.Choose(0, Math.Max(0, n - 1)), n).Select(l => (n, l))).ToArbitrary(), t =>
        {
            var (n, ids) = t;
            var mask = new TokenMask(n);
            var reference = new bool[n];
            foreach (int id in ids)
            {
                if (n == 0) break;
                mask.Set(id);
                reference[id] = true;
            }
            int count = 0;
            for (int i = 0; i < n; i++) { if (mask[i] != reference[i]) return false; if (reference[i]) count++; }
            if (mask.Count() != count) return false;
            int single = count == 1 ? Array.IndexOf(reference, true) : -1;
            if (mask.SingleOrNone() != single) return false;
            mask.SetAll();
            return mask.Count() == n;
        }).QuickCheckThrowOnFailure();
    }
}
