using System.Text.Json;

namespace Spindle.Tests.Cli;

/// <summary>Runs tiny benchmarks in-process; checks what is reported, never how fast.</summary>
public class BenchCommandTests
{
    [Theory]
    [InlineData("models/stories260K/stories260K.f32.gguf")]
    [InlineData("conformance/llama.q4_k_m.gguf")]
    public void Json_reports_positive_throughput_and_memory(string model)
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf(model.Split('/')), "-p", "8", "-n", "4", "-r", "2", "-t", "2", "--max-warmup", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.True(root.GetProperty("pp_tokens_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("tg_tokens_per_s").GetDouble() > 0);
        Assert.Equal(8, root.GetProperty("pp_tokens").GetInt32());
        Assert.Equal(4, root.GetProperty("tg_tokens").GetInt32());
        Assert.Equal(2, root.GetProperty("pp_samples_tokens_per_s").GetArrayLength());
        foreach (string key in new[] { "pp_min_tokens_per_s", "pp_max_tokens_per_s", "tg_min_tokens_per_s", "tg_max_tokens_per_s" })
            Assert.True(root.GetProperty(key).GetDouble() > 0, key);
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal(new FileInfo(SharedData.PathOf(model.Split('/'))).Length, root.GetProperty("model_size_bytes").GetInt64());
        Assert.True(root.GetProperty("model_parameters").GetInt64() > 0);
        Assert.True(root.GetProperty("kv_cache_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("type_mix").GetArrayLength() >= 1);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(root.GetProperty("peak_rss_bytes").GetInt64() > 0);
            Assert.True(root.GetProperty("rss_to_file_plus_kv_ratio").GetDouble() > 0);
        }
    }

    [Fact]
    public void Q4_K_M_type_mix_lists_both_k_quants()
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("conformance", "llama.q4_k_m.gguf"), "-p", "4", "-n", "0", "-r", "1", "--max-warmup", "0", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var types = json.RootElement.GetProperty("type_mix").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains("Q4_K", types);
        Assert.Contains("Q6_K", types);
    }

    [Fact]
    public void Zero_skips_a_test()
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.q8_0.gguf"), "-p", "0", "-n", "3", "-r", "1", "--max-warmup", "0", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("pp_tokens_per_s").ValueKind);
        Assert.True(json.RootElement.GetProperty("tg_tokens_per_s").GetDouble() > 0);
    }

    [Fact]
    public void Table_names_model_threads_and_tests()
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.q8_0.gguf"), "-p", "4", "-n", "2", "-r", "1", "-t", "1", "--max-warmup", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("pp4", r.Out);
        Assert.Contains("tg2", r.Out);
        Assert.Contains("llama", r.Out);
        Assert.Contains("t/s", r.Out);
        Assert.Matches(@"\|\s+1\s+\|", r.Out);
    }

    [Theory]
    [InlineData("-p", "-1", "--n-prompt must be in [0, 16777216], not '-1'")]
    [InlineData("-n", "-3", "--n-gen must be in [0, 16777216], not '-3'")]
    [InlineData("-r", "0", "--repetitions must be in [1, 1000], not '0'")]
    [InlineData("-t", "0", "--threads must be in [1, ")]
    [InlineData("-p", "many", "--n-prompt takes an integer ([0, 16777216]), not 'many'")]
    [InlineData("--max-warmup", "-1", "--max-warmup must be in [0, 3600], not '-1'")]
    public void Bad_arguments_are_usage_errors(string option, string value, string message)
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), option + "=" + value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.Contains(message, r.Error);
    }

    [Fact]
    public void Bench_names_the_files_type_not_its_largest_tensors()
    {
        // A synthesized Q4_0 stories15m keeps its 32k-token embedding in Q8_0, the largest tensor: the file is still Q4_0.
        string path = Path.Combine(Path.GetTempPath(), $"spindle-bench-{Guid.NewGuid():N}.gguf");
        try
        {
            var synth = CliRunner.Run("synth", "--shape", "stories15m", "--vocab", SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf"), "--type", "q4_0", "--out", path, "-t", "1");
            Assert.True(synth.ExitCode == 0, synth.Error);
            var r = CliRunner.Run("bench", "-m", path, "-p", "4", "-n", "2", "-r", "1", "-t", "1", "--max-warmup", "0", "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            using var json = JsonDocument.Parse(r.Out);
            Assert.Equal("Q4_0", json.RootElement.GetProperty("model_type").GetString());
            Assert.Equal("Q8_0", json.RootElement.GetProperty("largest_tensor_type").GetString());
            var table = CliRunner.Run("bench", "-m", path, "-p", "4", "-n", "2", "-r", "1", "-t", "1", "--max-warmup", "0");
            Assert.Contains("llama Q4_0", table.Out);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Nothing_to_measure()
    {
        var r = CliRunner.Run("bench", "-m", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), "-p", "0", "-n", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing to measure", r.Error);
    }

    [Fact]
    public void Unsupported_model_is_a_clear_error()
    {
        // A tokenizer-only GGUF holds no tensors: the model loader's complaint comes back with the path.
        string vocab = SharedData.PathOf("vocab", "ggml-vocab-gpt-2.gguf");
        var r = CliRunner.Run("bench", "-m", vocab, "-p", "1", "-n", "0", "-r", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.Contains(vocab, r.Error);
    }

    [Fact]
    public void Help_lists_logits_and_bench()
    {
        var r = CliRunner.Run("--help");
        Assert.Contains("logits", r.Out);
        Assert.Contains("bench", r.Out);
        var bench = CliRunner.Run("bench", "--help");
        Assert.Equal(0, bench.ExitCode);
        foreach (string option in new[] { "--n-prompt", "--n-gen", "--threads", "--repetitions", "--json", "--model" })
            Assert.Contains(option, bench.Out);
    }
}
