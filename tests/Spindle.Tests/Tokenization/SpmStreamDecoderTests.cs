using System.Text;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary><see cref="TokenStreamDecoder"/> over SentencePiece vocabularies, where multi-byte characters often arrive as byte tokens.</summary>
public class SpmStreamDecoderTests
{
    private static Tokenizer Llama => SpmTestVocabularies.Get("llama-spm");

    [Fact]
    public void Holds_back_a_character_split_over_byte_tokens()
    {
        int[] ids = Llama.Encode("\U0001F9EA!"); // ▁, four byte tokens, "!"
        Assert.Equal(6, ids.Length);
        var decoder = new TokenStreamDecoder(Llama);
        var outputs = ids.Select(decoder.Append).ToArray();
        Assert.Equal([" ", "", "", "", "\U0001F9EA", "!"], outputs);
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Invalid_bytes_become_replacement_characters_once_they_cannot_complete()
    {
        int e2 = Llama.Vocabulary.GetIdOrDefault("<0xE2>");
        int x = Llama.Vocabulary.GetIdOrDefault("x");
        var decoder = new TokenStreamDecoder(Llama);
        Assert.Equal("", decoder.Append(e2));
        Assert.Equal("\uFFFDx", decoder.Append(x)); // E2 needs continuation bytes; 'x' is none
        Assert.Equal("", decoder.Append(e2));
        Assert.Equal("\uFFFD", decoder.Flush()); // the stream ended inside a character
        decoder.Reset();
        Assert.Equal("x", decoder.Append(x));
    }

    [Theory]
    [MemberData(nameof(SpmTestVocabularies.WithByteFallback), MemberType = typeof(SpmTestVocabularies))]
    public void Streamed_text_equals_the_pieces_read_at_once(string vocab)
    {
        var tokenizer = SpmTestVocabularies.Get(vocab);
        foreach (var v in SpmTestVocabularies.Vectors(vocab).Cases)
        {
            int[] ids = tokenizer.Encode(v.Text);
            var decoder = new TokenStreamDecoder(tokenizer);
            var streamed = new StringBuilder();
            var bytes = new List<byte>();
            foreach (int id in ids)
            {
                string part = decoder.Append(id);
                // Never half a surrogate pair, never a replacement for valid input.
                if (part.Length > 0) Assert.False(char.IsHighSurrogate(part[^1]));
                Assert.DoesNotContain('\uFFFD', part);
                streamed.Append(part);
                bytes.AddRange(tokenizer.TokenToPiece(id).ToArray());
            }
            streamed.Append(decoder.Flush());
            Assert.Equal(Encoding.UTF8.GetString(bytes.ToArray()), streamed.ToString());
        }
    }

    [Fact]
    public void Span_api_allocates_nothing_per_token()
    {
        int[] ids = Llama.Encode("Grüße, 世界! \U0001F9EA\U0001F9EA and more text");
        var decoder = new TokenStreamDecoder(Llama);
        Span<char> buffer = stackalloc char[decoder.MaxCharsPerToken];
        foreach (int id in ids) decoder.Append(id, buffer); // warm up (piece cache, JIT)
        decoder.Reset();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int round = 0; round < 10; round++)
            foreach (int id in ids) total += decoder.Append(id, buffer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(total > 0);
    }
}
