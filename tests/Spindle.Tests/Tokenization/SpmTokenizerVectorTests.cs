using System.Text;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>The "llama" tokenizer against llama.cpp's ids for its standard test strings.</summary>
public class SpmTokenizerVectorTests
{
    [Theory]
    [MemberData(nameof(SpmTestVocabularies.All), MemberType = typeof(SpmTestVocabularies))]
    public void Encodes_every_vector_string_as_llama_cpp(string vocab)
    {
        var tokenizer = SpmTestVocabularies.Get(vocab);
        var vectors = SpmTestVocabularies.Vectors(vocab);
        Assert.Equal(46, vectors.Cases.Count);
        var failures = new StringBuilder();
        int checkedCount = 0;
        foreach (var v in vectors.Cases)
        {
            int[] actual = tokenizer.Encode(v.Text, addSpecial: false, parseSpecial: false);
            if (v.IsError) continue; // see Maps_what_llama_cpp_cannot_encode_to_unk
            checkedCount++;
            if (!actual.AsSpan().SequenceEqual(v.ExpectedIds))
                failures.AppendLine($"{v}: expected [{string.Join(' ', v.ExpectedIds!)}] got [{string.Join(' ', actual)}]");
        }
        Assert.True(checkedCount > 0);
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void Maps_what_llama_cpp_cannot_encode_to_unk()
    {
        var tokenizer = SpmTestVocabularies.Get("tinystories-656K");
        var vocab = tokenizer.Vocabulary;
        Assert.Equal("<unk>", vocab.Tokens[vocab.UnknownId]);
        var errors = SpmTestVocabularies.Vectors("tinystories-656K").Cases.Where(c => c.IsError).ToList();
        Assert.NotEmpty(errors);
        foreach (var v in errors)
        {
            int[] ids = tokenizer.Encode(v.Text);
            Assert.Contains(vocab.UnknownId, ids);
            // Every piece other than <unk> is real text from the input; with the unknown pieces dropped the decoded text
            // is the input with exactly those characters missing.
            string decoded = tokenizer.Decode(ids);
            Assert.DoesNotContain("<unk>", decoded);
            foreach (char c in decoded) Assert.Contains(c, v.Text);
        }
        // A tab has no token and no byte token in this vocabulary.
        Assert.Equal([vocab.GetIdOrDefault("▁"), vocab.UnknownId], tokenizer.Encode("\t"));
    }

    [Theory]
    [MemberData(nameof(SpmTestVocabularies.WithByteFallback), MemberType = typeof(SpmTestVocabularies))]
    public void Decode_of_encode_returns_every_vector_string(string vocab)
    {
        var tokenizer = SpmTestVocabularies.Get(vocab);
        foreach (var v in SpmTestVocabularies.Vectors(vocab).Cases)
            Assert.Equal(v.Text, tokenizer.Decode(tokenizer.Encode(v.Text)));
    }

    [Fact]
    public void Vector_reader_keeps_empty_and_newline_strings()
    {
        var cases = SpmTestVocabularies.Vectors("llama-spm").Cases;
        Assert.Equal("", cases[2].Text);
        Assert.Equal([], cases[2].ExpectedIds!);
        Assert.Equal(" ", cases[3].Text);
        Assert.Equal("\n", cases[7].Text);
        Assert.Equal([29871, 13], cases[7].ExpectedIds!);
        Assert.Equal("\t\n", cases[10].Text);
    }

    [Fact]
    public void Vector_reader_reads_every_shared_vector_file()
    {
        var inputs = Directory.GetFiles(SharedData.PathOf("vocab"), "*.inp")
            .Concat(Directory.GetFiles(SharedData.PathOf("models"), "*.inp", SearchOption.AllDirectories)).ToList();
        Assert.NotEmpty(inputs);
        foreach (string input in inputs)
        {
            var vectors = TokenizerVectors.Load(input); // throws when .inp and .out disagree on the number of strings
            Assert.NotEmpty(vectors.Cases);
            Assert.Contains(vectors.Cases, c => c.Text.Length == 0);
        }
    }
}
