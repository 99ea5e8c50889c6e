using System.Text;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

/// <summary>Decoding helpers of the tokenizer base that SentencePiece and the other models share.</summary>
public class SpmDecodeTests
{
    [Theory]
    [InlineData("a , b ! c ? d .", "a, b! c? d.")]
    [InlineData("b ' c", "b'c")]
    [InlineData("it 's I 'm we 're you 've", "it's I'm we're you've")]
    [InlineData("don 't I 'd we 'll", "don 't I 'd we 'll")]
    [InlineData("a ' ' b", "a'' b")] // the space skipped after the first apostrophe no longer precedes the second
    [InlineData(" ,", ",")]
    [InlineData("x", "x")]
    [InlineData("", "")]
    public void Clean_spaces_matches_llama_cpp(string input, string expected)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(input);
        int length = DecodedSpaceCleaner.Clean(bytes);
        Assert.Equal(expected, Encoding.UTF8.GetString(bytes, 0, length));
    }

    [Fact]
    public void Spm_decode_does_not_clean_spaces()
    {
        var llama = SpmTestVocabularies.Get("llama-spm");
        Assert.Equal("Hello , world 's", llama.Decode(llama.Encode("Hello , world 's")));
    }
}
