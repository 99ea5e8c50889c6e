namespace Spindle.Tests.Cli;

/// <summary>Every failure: exit code ≠ 0, exactly one line on stderr starting "spindle: error:", no stack trace unless --verbose.</summary>
public class CliErrorTests
{
    private static void AssertOneLineError(CliRunner.Result r, string expectedFragment)
    {
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.ErrorLines;
        Assert.Single(lines);
        Assert.StartsWith("spindle: error: ", lines[0]);
        Assert.Contains(expectedFragment, lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void Missing_model_file()
    {
        var r = CliRunner.Run("inspect", "no-such-model.gguf");
        AssertOneLineError(r, "model file not found: no-such-model.gguf");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Hostile_file_names_path_offset_and_problem()
    {
        string temp = Path.Combine(Path.GetTempPath(), $"spindle-hostile-{Guid.NewGuid():N}.gguf");
        byte[] bytes = File.ReadAllBytes(SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"));
        File.WriteAllBytes(temp, bytes.AsSpan(0, 5000).ToArray());
        try
        {
            var r = CliRunner.Run("inspect", temp);
            AssertOneLineError(r, "invalid GGUF file");
            Assert.Contains(temp, r.Error);
            Assert.Matches(@"at byte \d+", r.Error);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Fact]
    public void Not_a_gguf_file()
    {
        string temp = Path.Combine(Path.GetTempPath(), $"spindle-text-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(temp, "this is a text file, long enough to have a header");
        try
        {
            AssertOneLineError(CliRunner.Run("inspect", "--json", temp), "bad magic");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Fact]
    public void Unknown_option()
    {
        var r = CliRunner.Run("inspect", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"), "--frobnicate");
        AssertOneLineError(r, "--frobnicate");
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Unknown_command() => AssertOneLineError(CliRunner.Run("frobnicate"), "frobnicate");

    [Fact]
    public void No_command() => AssertOneLineError(CliRunner.Run(), "command");

    [Fact]
    public void Missing_required_option() => AssertOneLineError(CliRunner.Run("logits", "--tokens", "1,2"), "--out");

    [Fact]
    public void Non_numeric_token_id() =>
        AssertOneLineError(CliRunner.Run("detokenize", "--model", "x.gguf", "12", "abc"), "abc");

    [Fact]
    public void Conflicting_options() =>
        AssertOneLineError(CliRunner.Run("tokenize", "--model", SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf"), "--text", "a", "--file", "b"), "either --text or --file");

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        var r = CliRunner.Run("inspect", "no-such-model.gguf", "--verbose");
        Assert.NotEqual(0, r.ExitCode);
        Assert.StartsWith("spindle: error: model file not found", r.Error);
        Assert.Contains("FileNotFoundException", r.Error);
        Assert.Contains("   at ", r.Error);
    }

    [Fact]
    public void Help_succeeds_and_names_the_commands()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("spindle", r.Out);
        Assert.Contains("inspect", r.Out);
        Assert.Contains("tokenize", r.Out);
        Assert.Contains("detokenize", r.Out);
    }
}
