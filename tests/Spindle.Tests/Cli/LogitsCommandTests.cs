using System.Runtime.InteropServices;

namespace Spindle.Tests.Cli;

public class LogitsCommandTests
{
    private const string Prompt = "1,403,407,261,378,432,383,286,261,376,400,428,395,392,412,444";

    private static string Conformance(string name) => SharedData.PathOf("conformance", name);

    private static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"spindle-logits-{Guid.NewGuid():N}.f32");

    [Fact]
    public void Teacher_forced_logits_match_llama_cpp()
    {
        string output = TempFile();
        try
        {
            var r = CliRunner.Run("logits", "--model", Conformance("llama.f32.gguf"), "--tokens", Prompt, "--out", output, "--threads", "2");
            Assert.True(r.ExitCode == 0, r.Error);
            float[] actual = ReadFloats(output);
            float[] expected = ReadFloats(Conformance("llama.f32.logits.f32"));
            Assert.Equal(16 * 512, actual.Length);
            Assert.Equal(expected.Length, actual.Length);
            float worst = 0;
            for (int i = 0; i < actual.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
            Assert.True(worst < 0.05f, $"max |Δ| = {worst}");
            Assert.Contains("16 × 512", r.Out);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Prompt_text_tokenizes_to_the_same_logits()
    {
        string fromIds = TempFile(), fromText = TempFile();
        try
        {
            string model = Conformance("llama-tied.q8_0.gguf");
            Assert.Equal(0, CliRunner.Run("logits", "-m", model, "--tokens", Prompt, "-o", fromIds, "-t", "1").ExitCode);
            var r = CliRunner.Run("logits", "-m", model, "--prompt", "Once upon a time, there was a little dog named Max", "--add-special", "-o", fromText, "-t", "1");
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal(File.ReadAllBytes(fromIds), File.ReadAllBytes(fromText));
        }
        finally
        {
            File.Delete(fromIds);
            File.Delete(fromText);
        }
    }

    [Fact]
    public void Default_model_is_used_without_model_option()
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("SPINDLE_MODEL") is { Length: > 0 }, "SPINDLE_MODEL is set: the resolver would pick that model");
        string output = TempFile();
        try
        {
            var r = CliRunner.Run("logits", "--tokens", "1,80,147", "--out", output);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal(3 * 2048, ReadFloats(output).Length);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Theory]
    [InlineData("1,512", "token id 512 is outside the vocabulary [0, 512)")]
    [InlineData("1,-1", "token id -1 is outside the vocabulary")]
    [InlineData("1,abc", "'abc' is not an integer")]
    [InlineData("1,99999999999", "'99999999999' is not an integer")]
    [InlineData(",", "no token ids")]
    public void Bad_token_ids_are_reported(string tokens, string message)
    {
        string output = TempFile();
        var r = CliRunner.Run("logits", "-m", Conformance("llama.f32.gguf"), "--tokens=" + tokens, "-o", output);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: ", r.Error);
        Assert.Contains(message, r.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Tokens_and_prompt_are_exclusive()
    {
        var r = CliRunner.Run("logits", "-m", Conformance("llama.f32.gguf"), "--tokens", "1", "--prompt", "x", "-o", TempFile());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("either --tokens or --prompt", r.Error);
        r = CliRunner.Run("logits", "-m", Conformance("llama.f32.gguf"), "-o", TempFile());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("either --tokens or --prompt", r.Error);
    }

    [Fact]
    public void Out_is_required() =>
        Assert.Contains("--out", CliRunner.Run("logits", "--tokens", "1").Error);

    [Fact]
    public void Zero_threads_is_rejected()
    {
        var r = CliRunner.Run("logits", "-m", Conformance("llama.f32.gguf"), "--tokens", "1", "-o", TempFile(), "-t", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--threads must be in [1, ", r.Error);
    }

    [Fact]
    public void Missing_model_names_the_path()
    {
        var r = CliRunner.Run("logits", "-m", "no-such.gguf", "--tokens", "1", "-o", TempFile());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("model file not found: no-such.gguf", r.Error);
    }
}
