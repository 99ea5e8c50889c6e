using System.Text.Json;

namespace Spindle.Tests.Cli;

public class InspectCommandTests
{
    private static readonly string Stories = SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf");
    private static readonly string Qwen = SharedData.PathOf("conformance", "qwen2.q4_k_m.gguf");

    [Fact]
    public void Text_report_for_stories260K()
    {
        var r = CliRunner.Run("inspect", Stories);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Error);
        string[] lines = r.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("architecture") && l.Contains("llama"));
        Assert.Contains(lines, l => l.Contains("context_length") && l.TrimEnd().EndsWith("512"));
        Assert.Contains(lines, l => l.Contains("embedding_length") && l.TrimEnd().EndsWith("64"));
        Assert.Contains(lines, l => l.Contains("block_count") && l.TrimEnd().EndsWith("5"));
        Assert.Contains(lines, l => l.Contains("attention.head_count_kv") && l.TrimEnd().EndsWith("4"));
        Assert.Contains(lines, l => l.Contains("attention.layer_norm_rms_epsilon") && l.Contains("1E-05"));
        Assert.Contains(lines, l => l.Contains("vocab size") && l.TrimEnd().EndsWith("512"));
        Assert.Contains(lines, l => l.Contains("bos_token_id") && l.TrimEnd().EndsWith("1"));
        Assert.Contains(lines, l => l.Contains("chat template") && l.Contains("absent"));
        Assert.Contains(lines, l => l.Contains("token_embd.weight") && l.Contains("f32") && l.Contains("[64, 512]") && l.Contains("131,072"));
        Assert.Contains(lines, l => l.Contains("48 tensors, 1,171,200 bytes"));
    }

    [Fact]
    public void Text_report_for_a_quantized_conformance_file_lists_every_tensor_type()
    {
        var r = CliRunner.Run("inspect", Qwen);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("qwen2", r.Out);
        Assert.Contains("rope.freq_base", r.Out);
        Assert.Contains("1000000", r.Out);
        Assert.Contains("q4_K", r.Out);
        Assert.Contains("q6_K", r.Out);
        Assert.Contains("blk.0.attn_q.bias", r.Out);
        Assert.Matches(@"file type\s+Q4_K_M \(15\)", r.Out);
        using var json = System.Text.Json.JsonDocument.Parse(CliRunner.Run("inspect", "--json", Qwen).Out);
        Assert.Equal("Q4_K_M", json.RootElement.GetProperty("file_type").GetString());
    }

    [Fact]
    public void Json_report_for_stories260K()
    {
        var r = CliRunner.Run("inspect", Stories, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("llama", root.GetProperty("architecture").GetString());
        Assert.Equal(3, root.GetProperty("gguf_version").GetInt32());
        Assert.Equal(new FileInfo(Stories).Length, root.GetProperty("file_size").GetInt64());
        var hp = root.GetProperty("hyperparameters");
        Assert.Equal(512, hp.GetProperty("context_length").GetInt32());
        Assert.Equal(64, hp.GetProperty("embedding_length").GetInt32());
        Assert.Equal(172, hp.GetProperty("feed_forward_length").GetInt32());
        Assert.Equal(8, hp.GetProperty("attention.head_count").GetInt32());
        Assert.Equal(1e-5, hp.GetProperty("attention.layer_norm_rms_epsilon").GetDouble(), 1e-9);
        var tok = root.GetProperty("tokenizer");
        Assert.Equal("llama", tok.GetProperty("model").GetString());
        Assert.Equal(512, tok.GetProperty("vocab_size").GetInt32());
        Assert.Equal(1, tok.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(2, tok.GetProperty("eos_token_id").GetInt32());
        Assert.False(root.GetProperty("has_chat_template").GetBoolean());
        var tensors = root.GetProperty("tensors");
        Assert.Equal(48, tensors.GetArrayLength());
        Assert.Equal(48, root.GetProperty("tensor_count").GetInt32());
        long sum = 0;
        foreach (var t in tensors.EnumerateArray()) sum += t.GetProperty("bytes").GetInt64();
        Assert.Equal(sum, root.GetProperty("total_tensor_bytes").GetInt64());
        var embd = tensors[0];
        Assert.Equal("token_embd.weight", embd.GetProperty("name").GetString());
        Assert.Equal("f32", embd.GetProperty("type").GetString());
        Assert.Equal([64, 512], embd.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        var md = root.GetProperty("metadata");
        Assert.Equal(18, md.EnumerateObject().Count());
        Assert.Equal("llama", md.GetProperty("general.architecture").GetString());
        var tokens = md.GetProperty("tokenizer.ggml.tokens");
        Assert.Equal("array", tokens.GetProperty("type").GetString());
        Assert.Equal("string", tokens.GetProperty("element_type").GetString());
        Assert.Equal(512, tokens.GetProperty("count").GetInt32());
    }

    [Fact]
    public void Json_report_for_a_conformance_file_and_a_chat_template()
    {
        var r = CliRunner.Run("inspect", "--json", Qwen);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(1_000_000, doc.RootElement.GetProperty("hyperparameters").GetProperty("rope.freq_base").GetDouble());
        Assert.Equal(27, doc.RootElement.GetProperty("tensor_count").GetInt32());
        Assert.Contains(doc.RootElement.GetProperty("tensors").EnumerateArray(), t => t.GetProperty("type").GetString() == "q4_K");

        string withTemplate = SharedData.PathOf("vocab", "ggml-vocab-phi-3.gguf");
        using var file = Spindle.Gguf.GgufFile.Open(withTemplate);
        string? template = file.Metadata.GetStringOrNull(Spindle.Gguf.GgufKeys.ChatTemplate);
        var r2 = CliRunner.Run("inspect", "--json", withTemplate);
        Assert.Equal(0, r2.ExitCode);
        using var doc2 = JsonDocument.Parse(r2.Out);
        Assert.Equal(template != null, doc2.RootElement.GetProperty("has_chat_template").GetBoolean());
        Assert.Equal(0, doc2.RootElement.GetProperty("tensor_count").GetInt32());
        if (template != null)
            Assert.Equal(template, doc2.RootElement.GetProperty("metadata").GetProperty("tokenizer.chat_template").GetString());
    }
}
