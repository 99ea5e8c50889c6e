using Spindle.Tokenization;
using Spindle.Tokenization.Spm;

namespace Spindle.Tests.Tokenization;

/// <summary>Hand-checked behaviour of the "llama" tokenizer around special tokens, prefixes and decoding.</summary>
public class SpmTokenizerTests
{
    private static Tokenizer Llama => SpmTestVocabularies.Get("llama-spm");

    [Fact]
    public void Factory_creates_spm_for_llama_model() => Assert.IsType<SpmTokenizer>(Llama);

    [Fact]
    public void Control_token_text_is_a_token_only_when_parsing_specials()
    {
        int[] parsed = Llama.Encode("<s>", parseSpecial: true);
        Assert.Equal([1], parsed);
        int[] raw = Llama.Encode("<s>", parseSpecial: false);
        Assert.DoesNotContain(1, raw);
        Assert.Equal("<s>", Llama.Decode(raw));
    }

    [Fact]
    public void Space_prefix_goes_before_the_first_text_and_after_each_special_token()
    {
        // "Hello" → "▁Hello" 15043; after "</s>" the text is prefixed again; "Hello" without a prefix is 10994.
        Assert.Equal([15043, 2, 15043], Llama.Encode("Hello</s>Hello", parseSpecial: true));
        Assert.Equal([1, 15043], Llama.Encode("<s>Hello", parseSpecial: true));
        Assert.Equal(10994, Llama.Vocabulary.GetIdOrDefault("Hello"));
        Assert.Equal(15043, Llama.Vocabulary.GetIdOrDefault("▁Hello"));
    }

    [Fact]
    public void AddSpecial_adds_bos_as_the_metadata_asks()
    {
        Assert.True(Llama.Vocabulary.AddBos);
        Assert.False(Llama.Vocabulary.AddEos);
        Assert.Equal([1, 15043, 3186], Llama.Encode("Hello world", addSpecial: true));
        Assert.Equal([15043, 3186], Llama.Encode("Hello world", addSpecial: false));
        Assert.Equal([1], Llama.Encode("", addSpecial: true));
        Assert.Empty(Llama.Encode("", addSpecial: false));
    }

    [Fact]
    public void Phi3_special_tokens_strip_whitespace_on_their_right()
    {
        var phi3 = SpmTestVocabularies.Get("phi-3");
        int end = phi3.Vocabulary.GetIdOrDefault("<|end|>");
        Assert.True(end >= 0);
        // RSTRIP: the spaces after <|end|> go; the remaining text still gets the prefix ("▁x").
        Assert.Equal(phi3.Encode("<|end|>x", parseSpecial: true), phi3.Encode("<|end|>   x", parseSpecial: true));
        Assert.Equal(end, phi3.Encode("a<|end|>x", parseSpecial: true)[1]);
    }

    [Fact]
    public void Unknown_code_points_fall_back_to_byte_tokens()
    {
        // U+1F9EA (test tube) is no token: "▁" then its four UTF-8 bytes F0 9F A7 AA as <0xNN> (id = byte + 3).
        int[] ids = Llama.Encode("\U0001F9EA");
        Assert.Equal([29871, 0xF0 + 3, 0x9F + 3, 0xA7 + 3, 0xAA + 3], ids);
    }

    [Fact]
    public void Decode_removes_the_prefix_space_and_optionally_specials()
    {
        int[] ids = Llama.Encode("Hello world", addSpecial: true);
        ids = [.. ids, 2];
        Assert.Equal("Hello world", Llama.Decode(ids.AsSpan(1, 2)));
        // BOS/EOS give nothing unless unparsed; the prefix space is removed from the first piece only.
        Assert.Equal(" Hello world", Llama.Decode(ids));
        Assert.Equal("<s> Hello world</s>", Llama.Decode(ids, unparseSpecial: true));
        // llama.cpp keeps the space when it removes a leading BOS; EOS stays since this vocabulary does not add it.
        Assert.Equal(" Hello world</s>", Llama.Decode(ids, removeSpecial: true, unparseSpecial: true));
        Assert.Equal("   Hello", Llama.Decode(Llama.Encode("   Hello")));
    }

    [Fact]
    public void Pieces_unescape_spaces_and_turn_byte_tokens_into_bytes()
    {
        Assert.Equal(" Hello"u8.ToArray(), Llama.TokenToPiece(15043).ToArray());
        Assert.Equal(new byte[] { 0x0A }, Llama.TokenToPiece(13).ToArray());
        Assert.True(Llama.TokenToPiece(1).IsEmpty);
        Assert.Equal("<s>"u8.ToArray(), Llama.TokenToPiece(1, special: true).ToArray());
    }

    [Fact]
    public void Baichuan_loads_and_round_trips()
    {
        var baichuan = SpmTestVocabularies.Open(SharedData.PathOf("vocab", "ggml-vocab-baichuan.gguf"));
        Assert.Equal(64000, baichuan.Vocabulary.Count);
        foreach (var v in SpmTestVocabularies.Vectors("llama-spm").Cases)
        {
            int[] ids = baichuan.Encode(v.Text);
            Assert.Equal(v.Text, baichuan.Decode(ids));
        }
        Assert.Equal([baichuan.Vocabulary.BosId], baichuan.Encode("<s>", parseSpecial: true));
    }
}
