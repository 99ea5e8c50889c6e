using System.Text;
using Spindle.Constraints;
using Spindle.Constraints.FrontEnds;
using Spindle.Constraints.Parsing;
using Spindle.Constraints.Vocabulary;

namespace Spindle.Tests.Constraints.Grammar;

public class ForcedTokenAndRollbackTests
{
    [Fact]
    public void ForcedBytesFollowTheGrammar()
    {
        var g = new CompiledGrammar(GbnfGrammar.Parse("root ::= \"{\\\"name\\\": \" (\"1\" | \"2\") \"}\""));
        var m = TestGrammars.ByteMatcher(g);
        Assert.Equal("{\"name\": ", Encoding.UTF8.GetString(m.ForcedBytes()));
        Assert.True(m.TryAcceptBytes("{\"name\": 1"u8));
        Assert.Equal("}", Encoding.UTF8.GetString(m.ForcedBytes()));
        Assert.True(m.TryAcceptBytes("}"u8));
        Assert.Empty(m.ForcedBytes());
        Assert.True(m.IsAccepting);
    }

    [Fact]
    public void ForcedTokensOnARealVocabularyAreAcceptedAndSpellThePrefix()
    {
        var vocab = RealVocabulary.Get("ggml-vocab-llama-spm.gguf");
        var g = new CompiledGrammar(GbnfGrammar.Parse("root ::= \"{\\\"temperature\\\": \" [0-9]+ \", \\\"unit\\\": \\\"celsius\\\"}\""));
        var m = new Matcher(g, vocab.Trie);
        var forced = m.ForcedTokens();
        Assert.NotEmpty(forced);
        var spelled = new List<byte>();
        foreach (int id in forced)
        {
            Assert.True(m.TryAccept(id));
            spelled.AddRange(vocab.Vocabulary.TokenBytes(id).ToArray());
        }
        Assert.StartsWith(Encoding.UTF8.GetString([.. spelled]), "{\"temperature\": ");
        Assert.True(spelled.Count >= 10);
        // The mask agrees: after the forced prefix the remaining forced bytes are still a prefix of every allowed token's text.
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        m.ComputeMask(mask);
        Assert.True(mask.Count() > 0);
    }

    [Fact]
    public void NothingIsForcedWhenThereIsAChoice()
    {
        var m = TestGrammars.ByteMatcher(new CompiledGrammar(ChoiceGrammar.Create(["ab", "ac"])));
        Assert.Equal("a", Encoding.UTF8.GetString(m.ForcedBytes()));
        Assert.True(m.TryAcceptBytes("a"u8));
        Assert.Empty(m.ForcedBytes());
    }

    [Fact]
    public void RollbackRestoresEarlierStates()
    {
        var vocab = RealVocabulary.Get("ggml-vocab-gpt-2.gguf");
        var m = new Matcher(TestGrammars.JsonCompiled.Value, vocab.Trie);
        string doc = "{\"key\": [1, 2, {\"x\": \"yz\"}], \"b\": true}";
        int[] ids = vocab.TokenizeExactly(doc, Encoding.UTF8.GetBytes(doc))!;
        Assert.NotNull(ids);
        var masks = new List<List<int>>();
        var mask = new TokenMask(vocab.Vocabulary.TokenCount);
        foreach (int id in ids)
        {
            m.ComputeMask(mask);
            masks.Add(mask.ToList());
            Assert.True(m.TryAccept(id));
        }
        Assert.True(m.IsAccepting);
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int back = rng.Next(1, m.AcceptedTokenCount + 1);
            m.Rollback(back);
            int position = m.AcceptedTokenCount;
            m.ComputeMask(mask);
            Assert.Equal(masks[position], mask.ToList());
            // Replay: same tokens, same masks, accepting at the end.
            for (int i = position; i < ids.Length; i++) Assert.True(m.TryAccept(ids[i]));
            Assert.True(m.IsAccepting);
        }
        Assert.True(m.TryAccept(vocab.Vocabulary.EosId));
        Assert.True(m.IsFinished);
        Assert.False(m.TryAccept(ids[0]));
        m.Rollback(1);
        Assert.False(m.IsFinished);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Rollback(m.AcceptedTokenCount + 1));
    }

    [Fact]
    public void ClonesAreIndependent()
    {
        var m = TestGrammars.ByteMatcher(TestGrammars.JsonCompiled.Value);
        Assert.True(m.TryAcceptBytes("{\"a\": "u8));
        var c = m.Clone();
        Assert.True(c.TryAcceptBytes("1}"u8));
        Assert.True(c.IsAccepting);
        Assert.False(m.IsAccepting);
        Assert.True(m.TryAcceptBytes("[true]}"u8));
        Assert.True(m.IsAccepting);
    }

    [Fact]
    public void RejectedTokensLeaveTheStateUnchanged()
    {
        var m = TestGrammars.ByteMatcher(TestGrammars.JsonCompiled.Value);
        Assert.True(m.TryAccept('['));
        Assert.False(m.TryAccept(']' + 1000)); // out of range
        Assert.False(m.TryAccept(','));
        Assert.False(m.TryAccept(ByteVocabulary.Eos));
        Assert.Equal(1, m.AcceptedTokenCount);
        Assert.True(m.TryAccept(']'));
        Assert.True(m.TryAccept(ByteVocabulary.Eos));
    }

    [Fact]
    public void SharedGrammarIsThreadSafe()
    {
        var g = new CompiledGrammar(GbnfGrammar.Parse(TestGrammars.Json));
        var docs = new string[64];
        var rng = new Random(9);
        for (int i = 0; i < docs.Length; i++) docs[i] = RandomJson.Document(rng);
        Parallel.For(0, docs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var m = new Matcher(g, ByteVocabulary.Trie);
            var mask = new TokenMask(ByteVocabulary.Instance.TokenCount);
            foreach (byte b in Encoding.UTF8.GetBytes(docs[i]))
            {
                m.ComputeMask(mask);
                Assert.True(mask[b]);
                Assert.True(m.TryAccept(b));
            }
            Assert.True(m.IsAccepting);
        });
    }
}
