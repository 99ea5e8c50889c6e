using System.Text.Json;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle generate` with beam, diverse beam and contrastive search.</summary>
public sealed class GenerateSearchCommandTests
{
    private static (string Text, int[] Ids, double[] Logprobs, string Finish) Json(params string[] extra)
    {
        var r = CliRunner.Run(["generate", "-m", Stories260K, "-p", "Once upon a time", "-n", "24", "-t", "1", "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.Error);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        var tokens = root.GetProperty("tokens").EnumerateArray().ToArray();
        return (root.GetProperty("text").GetString()!, tokens.Select(t => t.GetProperty("id").GetInt32()).ToArray(),
            tokens.Select(t => t.GetProperty("logprob").GetDouble()).ToArray(),
            root.GetProperty("stats").GetProperty("finish_reason").GetString()!);
    }

    [Fact]
    public void One_beam_and_contrastive_alpha_zero_equal_greedy()
    {
        var greedy = Json("--temp", "0");
        var beam = Json("--beams", "1");
        var contrastive = Json("--contrastive-alpha", "0");
        Assert.Equal(greedy.Ids, beam.Ids);
        Assert.Equal(greedy.Text, beam.Text);
        Assert.Equal(greedy.Ids, contrastive.Ids);
        // Logprobs of search output are recomputed by teacher forcing: they equal the sampled path's raw logprobs.
        for (int i = 0; i < greedy.Logprobs.Length; i++) Assert.Equal(greedy.Logprobs[i], beam.Logprobs[i], 3);
        Assert.Equal("length", beam.Finish);
    }

    [Fact]
    public void Wider_beams_score_at_least_greedy()
    {
        var greedy = Json("--temp", "0");
        var beam = Json("--beams", "4", "--length-penalty", "0");
        Assert.Equal(greedy.Ids.Length, beam.Ids.Length);
        Assert.True(beam.Logprobs.Sum() >= greedy.Logprobs.Sum() - 1e-3, $"beam {beam.Logprobs.Sum()} < greedy {greedy.Logprobs.Sum()}");
    }

    [Fact]
    public void Diverse_and_contrastive_search_run_and_stop_strings_apply()
    {
        var diverse = Json("--beams", "4", "--diverse-groups", "2", "--diversity", "1");
        Assert.NotEmpty(diverse.Ids);
        var contrastive = Json("--contrastive-alpha", "0.6", "--contrastive-k", "4");
        Assert.NotEmpty(contrastive.Ids);
        Assert.Contains("Lily", Json("--beams", "2").Text);
        var stopped = Json("--beams", "2", "--stop", "Lily");
        Assert.DoesNotContain("Lily", stopped.Text);
        Assert.Equal("stop_string", stopped.Finish);
    }

    [Theory]
    [InlineData("--beams", "0")]
    [InlineData("--beams", "4", "--diverse-groups", "3")]
    [InlineData("--diverse-groups", "2")]
    [InlineData("--beams", "2", "--contrastive-alpha", "0.5")]
    [InlineData("--contrastive-alpha", "1.5")]
    public void Bad_search_flags_are_one_line_errors(params string[] flags)
    {
        var r = CliRunner.Run(["generate", "-m", Stories260K, "-p", "x", "-n", "4", .. flags]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrorLines);
    }
}
