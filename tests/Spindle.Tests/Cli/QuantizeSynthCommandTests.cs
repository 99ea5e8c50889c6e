using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Tests.Cli;

public sealed class QuantizeSynthCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-cli-quant-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string F32Model => SharedData.PathOf("conformance", "llama.f32.gguf");

    private static void AssertOneLineError(CliRunner.Result r, int exitCode, string expectedFragment)
    {
        Assert.Equal(exitCode, r.ExitCode);
        var lines = r.ErrorLines.Where(l => l.StartsWith("spindle: error: ", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void Quantize_writes_the_file_and_lists_tensors()
    {
        string output = Path.Combine(_directory, "q4_k_m.gguf");
        var r = CliRunner.Run("quantize", F32Model, output, "Q4_K_M", "--threads", "2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("wrote " + output, r.Out);
        // Not a terminal: one plain line per tensor on stderr.
        Assert.Contains("blk.1.ffn_down.weight", r.Error);
        Assert.Contains("f32    -> q6_K", r.Error);
        using var file = GgufFile.Open(output);
        Assert.Equal(GgmlType.Q6_K, file.GetTensor("output.weight").Type);
        Assert.Equal(15, file.Metadata.GetRequiredInt32(GgufKeys.FileType));
    }

    [Fact]
    public void Quantize_missing_input() =>
        AssertOneLineError(CliRunner.Run("quantize", Path.Combine(_directory, "none.gguf"), Path.Combine(_directory, "o.gguf"), "q8_0"), 1, "model file not found");

    [Fact]
    public void Quantize_unknown_type()
    {
        var r = CliRunner.Run("quantize", F32Model, Path.Combine(_directory, "o.gguf"), "q3_xs");
        AssertOneLineError(r, 2, "unknown quantization type 'q3_xs'");
        Assert.Contains("q4_k_m", r.Error);
    }

    [Fact]
    public void Quantize_into_missing_directory() =>
        AssertOneLineError(CliRunner.Run("quantize", F32Model, Path.Combine(_directory, "nope", "o.gguf"), "q8_0"), 1, "output directory does not exist");

    [Fact]
    public void Quantize_refuses_requantizing()
    {
        string output = Path.Combine(_directory, "o.gguf");
        AssertOneLineError(CliRunner.Run("quantize", SharedData.PathOf("conformance", "llama.q8_0.gguf"), output, "q4_0"), 1, "requantizing");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Quantize_refuses_overwriting_its_input() =>
        AssertOneLineError(CliRunner.Run("quantize", F32Model, F32Model, "q8_0"), 2, "overwrite the input");

    [Fact]
    public void Synth_writes_a_model()
    {
        string output = Path.Combine(_directory, "s.gguf");
        var r = CliRunner.Run("synth", "--shape", "stories15m", "--vocab", SharedData.PathOf("models", "stories260K", "stories260K.f32.gguf"),
            "--type", "q8_0", "--out", output, "--seed", "9", "--threads", "2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("stories15m", r.Out);
        using var file = GgufFile.Open(output);
        Assert.Equal(GgmlType.Q8_0, file.GetTensor("blk.0.attn_v.weight").Type);
        Assert.Equal(512, file.GetTensor("token_embd.weight").Dimensions[1]);
    }

    [Fact]
    public void Synth_unknown_shape() =>
        AssertOneLineError(CliRunner.Run("synth", "--shape", "gpt-5", "--vocab", F32Model, "--type", "f32", "--out", Path.Combine(_directory, "o.gguf")), 2, "unknown model shape 'gpt-5'");

    [Fact]
    public void Synth_missing_vocab() =>
        AssertOneLineError(CliRunner.Run("synth", "--shape", "stories15m", "--vocab", Path.Combine(_directory, "v.gguf"), "--type", "f32", "--out", Path.Combine(_directory, "o.gguf")), 1, "not found");

    [Fact]
    public void Synth_needs_its_options() =>
        AssertOneLineError(CliRunner.Run("synth", "--shape", "stories15m"), 2, "--vocab");
}
