using System.Globalization;
using System.Text.RegularExpressions;
using Spindle.Gguf;

namespace Spindle.Tests.Cli;

/// <summary>`spindle convert`, and the model-running commands given a Hugging Face checkpoint folder or --tokenizer.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-cli-convert-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Folder => SharedData.PathOf("models", "tinystories-656K", "hf");
    private static string PublishedF16 => SharedData.PathOf("models", "tinystories-656K", "tinystories-656K.f16.gguf");
    private static string Story => SharedData.PathOf("text", "story.txt");

    private static void AssertOneLineError(CliRunner.Result r, int exitCode, string expectedFragment)
    {
        Assert.Equal(exitCode, r.ExitCode);
        var lines = r.ErrorLines.Where(l => l.StartsWith("spindle: error: ", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }

    private static double Perplexity(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Error);
        var m = Regex.Match(r.Out, @"Final estimate: PPL = ([0-9.]+)");
        Assert.True(m.Success, r.Out);
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private string Convert(params string[] extra)
    {
        string output = Path.Combine(_directory, "ts.gguf");
        var r = CliRunner.Run(["convert", Folder, output, .. extra]);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("wrote " + output, r.Out);
        return output;
    }

    [Fact]
    public void Convert_writes_f16_by_default_with_the_tokenizer()
    {
        string output = Convert("--threads", "2");
        using var file = GgufFile.Open(output);
        Assert.Equal(1, file.Metadata.GetRequiredInt32(GgufKeys.FileType));
        Assert.Equal("llama", file.Metadata.GetStringOrNull(GgufKeys.TokenizerModel));
        Assert.NotNull(file.Metadata.GetStringOrNull(GgufKeys.HuggingFaceJson));
    }

    [Fact]
    public void Perplexity_of_the_folder_follows_the_merges_and_the_conversion_agrees()
    {
        double folder = Perplexity(CliRunner.Run("perplexity", "-m", Folder, "-f", Story, "-c", "128", "-t", "1"));
        Assert.InRange(folder, 18.4 * 0.98, 18.4 * 1.02);
        double converted = Perplexity(CliRunner.Run("perplexity", "-m", Convert(), "-f", Story, "-c", "128", "-t", "1"));
        Assert.InRange(converted, folder * 0.999, folder * 1.001);
        double published = Perplexity(CliRunner.Run("perplexity", "-m", PublishedF16, "-f", Story, "-c", "128", "-t", "1",
            "--tokenizer", Path.Combine(Folder, "tokenizer.json")));
        Assert.InRange(published, 18.4 * 0.98, 18.4 * 1.02);
    }

    [Fact]
    public void Greedy_generation_from_the_folder_equals_the_conversion_s()
    {
        string[] args = ["-p", "Once upon a time", "--temp", "0", "-n", "40", "-t", "1"];
        var fromFolder = CliRunner.Run(["generate", "-m", Folder, .. args]);
        var fromGguf = CliRunner.Run(["generate", "-m", Convert(), .. args]);
        Assert.True(fromFolder.ExitCode == 0, fromFolder.Error);
        Assert.True(fromFolder.Out.Trim().Length > 80, fromFolder.Out);
        Assert.Equal(fromFolder.Out, fromGguf.Out);
    }

    [Fact]
    public void Tokenize_reads_the_folder_or_a_separate_tokenizer()
    {
        var r = CliRunner.Run("tokenize", "-m", Folder, "--text", "Once upon a time", "--add-special", "--ids");
        Assert.Equal("[1, 80, 147, 201, 282, 57]", r.Out.Trim());
        // Where the published GGUF's score-less table and the merges part ways, --tokenizer gives the merges' ids.
        string text = File.ReadAllText(Story)[..200];
        string merges = CliRunner.Run("tokenize", "-m", Folder, "--text", text, "--ids").Out;
        string table = CliRunner.Run("tokenize", "-m", PublishedF16, "--text", text, "--ids").Out;
        string withOption = CliRunner.Run("tokenize", "-m", PublishedF16, "--tokenizer", Folder, "--text", text, "--ids").Out;
        Assert.NotEqual(merges, table);
        Assert.Equal(merges, withOption);
        Assert.Equal("Once upon a time", CliRunner.Run("detokenize", "-m", Folder, "80", "147", "201", "282", "57").Out.Trim());
    }

    [Fact]
    public void Inspect_shows_the_folder_as_the_gguf_it_converts_to()
    {
        var r = CliRunner.Run("inspect", Folder);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("Hugging Face checkpoint folder", r.Out);
        Assert.Contains("blk.1.attn_q.weight", r.Out);
        var json = System.Text.Json.JsonDocument.Parse(CliRunner.Run("inspect", Folder, "--json").Out);
        Assert.True(json.RootElement.GetProperty("hf_checkpoint").GetBoolean());
    }

    [Fact]
    public void Logits_of_a_prompt_through_the_folder()
    {
        string output = Path.Combine(_directory, "l.f32");
        var r = CliRunner.Run("logits", "-m", Folder, "--prompt", "Once upon a time", "--add-special", "--out", output, "-t", "1");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("wrote 6 × 2048", r.Out);
    }

    [Fact]
    public void Convert_refuses_what_it_cannot_convert()
    {
        AssertOneLineError(CliRunner.Run("convert", PublishedF16, Path.Combine(_directory, "o.gguf")), 2, "input is a file, not a checkpoint folder");
        AssertOneLineError(CliRunner.Run("convert", Path.Combine(_directory, "none"), Path.Combine(_directory, "o.gguf")), 2, "checkpoint folder not found");
        AssertOneLineError(CliRunner.Run("convert", Folder, Path.Combine(_directory, "o.gguf"), "--type", "q9"), 2, "unknown quantization type 'q9'");
        string qwen = Path.Combine(_directory, "qwen");
        Directory.CreateDirectory(qwen);
        File.WriteAllText(Path.Combine(qwen, "config.json"), """{"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}""");
        AssertOneLineError(CliRunner.Run("convert", qwen, Path.Combine(_directory, "o.gguf")), 1, "cannot run this model");
        Assert.False(File.Exists(Path.Combine(_directory, "o.gguf")));
    }

    [Fact]
    public void Model_commands_report_folders_they_cannot_use()
    {
        AssertOneLineError(CliRunner.Run("generate", "-m", _directory, "-p", "x"), 2, "directory without config.json");
        string broken = Path.Combine(_directory, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), File.ReadAllText(Path.Combine(Folder, "config.json")));
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), new byte[5]);
        AssertOneLineError(CliRunner.Run("generate", "-m", broken, "-p", "x"), 1, "invalid safetensors file");
        AssertOneLineError(CliRunner.Run("generate", "-m", PublishedF16, "-p", "x", "--tokenizer", Path.Combine(_directory, "none.json")), 1, "none.json");
    }
}
