using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>Special-token partitioning details that SentencePiece vocabularies (with '▁' in special texts) depend on.</summary>
public class SpmPartitionerTests
{
    [Fact]
    public void Longer_special_text_in_utf8_bytes_is_matched_first()
    {
        // "▁▁" is 2 chars but 6 bytes; "▁ab" is 3 chars but 5 bytes. llama.cpp sorts by byte length, so "▁▁" wins.
        string[] tokens = ["<unk>", "<s>", "</s>", "▁▁", "▁ab", "a", "b", "▁"];
        var attributes = new TokenAttributes[tokens.Length];
        attributes.AsSpan().Fill(TokenAttributes.Normal);
        attributes[0] = TokenAttributes.Unknown;
        attributes[1] = attributes[2] = TokenAttributes.Control;
        attributes[3] = attributes[4] = TokenAttributes.UserDefined;
        var vocab = new Vocabulary("llama", null, tokens, new float[tokens.Length], attributes, null) { UnknownId = 0 };
        var fragments = new SpecialTokenPartitioner(vocab).Partition("▁▁ab", parseSpecial: false);
        Assert.Equal([TextFragment.Token(3), TextFragment.Text(2, 2)], fragments);
    }

    [Fact]
    public void Newline_id_falls_back_to_the_newline_text_without_byte_tokens()
    {
        var tiny = SpmTestVocabularies.Get("tinystories-656K").Vocabulary;
        Assert.Equal("\n", tiny.Tokens[tiny.NewlineId]);
        var llama = SpmTestVocabularies.Get("llama-spm").Vocabulary;
        Assert.Equal("<0x0A>", llama.Tokens[llama.NewlineId]);
    }
}
