using System.Text.Json;

namespace Spindle.Tests.Cli;

public sealed class MaskBenchCommandTests
{
    private static readonly string Vocab = SharedData.PathOf("vocab", "ggml-vocab-llama-spm.gguf");

    private static string FirstFile()
    {
        var files = Directory.GetFiles(SharedData.PathOf("jsonschema", "maskbench"), "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        return files[0];
    }

    [Fact]
    public void Json_ReportsCountsAndTimings()
    {
        var result = CliRunner.Run("maskbench", "--vocab", Vocab, "--json", "--limit", "3", SharedData.PathOf("jsonschema", "maskbench"));
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Out);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("schemas").GetInt32());
        int sum = root.GetProperty("passing").GetInt32() + root.GetProperty("compile_error").GetInt32()
            + root.GetProperty("validation_error").GetInt32() + root.GetProperty("invalidation_error").GetInt32();
        Assert.Equal(3, sum);
        Assert.True(root.GetProperty("tbm_us").GetProperty("avg").GetDouble() > 0);
        Assert.True(root.GetProperty("ttfm_us").GetProperty("p99").GetDouble() > 0);
    }

    [Fact]
    public void Table_ForASingleFile()
    {
        var result = CliRunner.Run("maskbench", "--vocab", Vocab, FirstFile());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("passing", result.Out);
        Assert.Contains("TBM", result.Out);
    }

    [Fact]
    public void Verbose_ListsFailingSchemas()
    {
        string dir = Path.Combine(Path.GetTempPath(), "spindle-maskbench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "bad.json"), """{"schema":{"$ref":"elsewhere.json"},"tests":[{"valid":true,"data":1}]}""");
            var result = CliRunner.Run("maskbench", "--vocab", Vocab, "--verbose", dir);
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("CompileError\tbad\t$ref", result.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("maskbench", "/nonexistent/folder")]
    [InlineData("maskbench", "--vocab")]
    public void ArgumentErrors_AreUsageErrors(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("spindle: ", result.Error);
    }

    [Fact]
    public void MissingPath_And_BadLimit_AreReported()
    {
        var missing = CliRunner.Run("maskbench", "--vocab", Vocab, "/nonexistent/folder");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.Error);
        var limit = CliRunner.Run("maskbench", "--vocab", Vocab, "--limit", "0", FirstFile());
        Assert.Equal(2, limit.ExitCode);
        Assert.Contains("--limit", limit.Error);
    }
}
