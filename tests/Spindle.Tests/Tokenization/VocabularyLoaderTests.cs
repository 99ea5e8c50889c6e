using Spindle.Gguf;
using Spindle.Tokenization;

namespace Spindle.Tests.Tokenization;

public class VocabularyLoaderTests
{
    private static GgufMetadata Gpt2Vocabulary(string pre, bool? addBos)
    {
        var md = new GgufMetadata();
        md.TryAdd(GgufKeys.TokenizerModel, new GgufValue(GgufValueType.String, "gpt2"));
        md.TryAdd(GgufKeys.TokenizerPre, new GgufValue(GgufValueType.String, pre));
        md.TryAdd(GgufKeys.Tokens, new GgufValue(GgufValueType.Array, new GgufArray(GgufValueType.String, new[] { "a", "b", "<|begin_of_text|>" })));
        md.TryAdd(GgufKeys.BosTokenId, new GgufValue(GgufValueType.UInt32, 2u));
        if (addBos is bool b) md.TryAdd(GgufKeys.AddBosToken, new GgufValue(GgufValueType.Bool, b));
        return md;
    }

    [Theory]
    [InlineData("llama-bpe", null, true)]
    [InlineData("llama-bpe", false, false)]
    [InlineData("tekken", null, true)]
    [InlineData("qwen2", null, false)]
    [InlineData("qwen2", true, true)]
    public void Add_bos_default_follows_llama_cpp(string pre, bool? key, bool expected) =>
        Assert.Equal(expected, Vocabulary.FromGguf(Gpt2Vocabulary(pre, key)).AddBos);

    [Fact]
    public void Chatglm_has_no_bos_unless_the_file_names_one()
    {
        var md = Gpt2Vocabulary("chatglm-bpe", null);
        md.Remove(GgufKeys.BosTokenId);
        Assert.Equal(-1, Vocabulary.FromGguf(md).BosId);
    }
}
