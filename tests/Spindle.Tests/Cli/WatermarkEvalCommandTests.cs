using System.Text.Json;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle watermark eval`: the report's tables and JSON on a small run, and option errors.</summary>
public sealed class WatermarkEvalCommandTests
{
    [Fact]
    public void JsonReportHasTheFiveMeasurements()
    {
        var r = CliRunner.Run("watermark", "eval", "-m", Stories260K, "-t", "1", "--key", "k", "-N", "8", "-n", "40", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal("kgw", root.GetProperty("scheme").GetString());
        Assert.Equal(8, root.GetProperty("texts").GetInt32());
        var success = root.GetProperty("success");
        double auc = success.GetProperty("auc").GetDouble();
        Assert.True(auc > 0.9, $"AUC {auc}");
        Assert.True(success.GetProperty("fpr").GetDouble() <= 0.01);
        Assert.Equal(JsonValueKind.Null, success.GetProperty("message_accuracy").ValueKind);
        var robustness = root.GetProperty("robustness").EnumerateArray().ToList();
        Assert.Equal(11, robustness.Count);
        Assert.Equal("word", robustness[^1].GetProperty("attack").GetString());
        Assert.Equal(0.2, robustness[^1].GetProperty("rate").GetDouble());
        var lengths = root.GetProperty("coding").GetProperty("lengths").EnumerateArray().Select(l => l.GetProperty("tokens").GetInt32());
        Assert.Equal([10, 20, 30, 40], lengths);
        Assert.True(root.GetProperty("efficiency").GetProperty("plain_tokens_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("quality").GetProperty("perplexity_watermarked").GetDouble() > 1);
        Assert.Contains("generated 8/8 pairs", r.Error);
    }

    [Fact]
    public void TablesShowEverySection()
    {
        var r = CliRunner.Run("watermark", "eval", "-m", Stories260K, "-t", "1", "--key", "k", "-N", "4", "-n", "24", "--scheme", "vanilla", "--watermark-bits", "4");
        Assert.True(r.ExitCode == 0, r.Error);
        foreach (string heading in new[] { "## 1. Success", "## 2. Robustness", "## 3. Coding rate", "## 4. Efficiency", "## 5. Quality" })
            Assert.Contains(heading, r.Out);
        Assert.Contains("| substitution 30% |", r.Out);
        Assert.Contains("| word 20% |", r.Out);
        Assert.Contains("message acc. |", r.Out);
        Assert.Contains("4 bits per text", r.Out);
    }

    [Theory]
    [InlineData("--scheme", "synthid", "--watermark-gamma", "0.5")]
    [InlineData("--scheme", "kgw", "--watermark-bits", "8")]
    [InlineData("--scheme", "vanilla", "--proxy", "x.gguf")]
    [InlineData("--scheme", "synthid", "--watermark-context", "0")]
    public void OptionsOfAnotherSchemeAreUsageErrors(params string[] args)
    {
        var r = CliRunner.Run(["watermark", "eval", "-m", Stories260K, "--key", "k", "-N", "2", "-n", "8", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: ", r.ErrorLines[0]);
    }

    [Fact]
    public void MissingKeyAndUnknownSchemeAreUsageErrors()
    {
        Assert.Equal(2, CliRunner.Run("watermark", "eval", "-m", Stories260K).ExitCode);
        Assert.Equal(2, CliRunner.Run("watermark", "eval", "-m", Stories260K, "--key", "k", "--scheme", "rot13").ExitCode);
        Assert.Equal(2, CliRunner.Run("watermark", "eval", "-m", Stories260K, "--key", "k", "-N", "1").ExitCode);
    }
}
