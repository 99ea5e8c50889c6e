using System.Text.Json;
using System.Text.RegularExpressions;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle generate --regex / --grammar / --choice`: constrained output, and one-line errors for bad input.</summary>
public sealed class GenerateConstrainedCommandTests
{
    private static CliRunner.Result Generate(params string[] extra) =>
        CliRunner.Run(["generate", "-m", TinyStoriesQ8, "-p", "Once upon a time", "-t", "1", "-n", "48", .. extra]);

    private static void AssertOneLineError(CliRunner.Result r, string fragment)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("spindle: error: ", r.ErrorLines[0]);
        Assert.Contains(fragment, r.ErrorLines[0]);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void RegexOutputMatchesAndEndsWithEndOfGeneration()
    {
        foreach (string seed in new[] { "1", "2", "3" })
        {
            var r = Generate("--regex", "[0-9]{3}-[a-z]{1,8}", "--seed", seed, "--json");
            Assert.True(r.ExitCode == 0, r.Error);
            using var doc = JsonDocument.Parse(r.Out);
            Assert.Matches(@"\A[0-9]{3}-[a-z]{1,8}\z", doc.RootElement.GetProperty("text").GetString());
            Assert.Equal("end_of_generation", doc.RootElement.GetProperty("stats").GetProperty("finish_reason").GetString());
        }
    }

    [Fact]
    public void ChoiceStreamsExactlyOneChoice()
    {
        var r = Generate("--choice", "yes,no,maybe", "--temp", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains(r.Out.TrimEnd('\n'), new[] { "yes", "no", "maybe" });
        Assert.EndsWith("finish: end_of_generation", r.ErrorLines.Single());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GrammarFileConstrainsTheOutput(bool perChar)
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-words-{Guid.NewGuid():N}.gbnf");
        File.WriteAllText(path, "root ::= word (\" \" word){0,2} \"!\"\nword ::= \"sun\" | \"moon\" | \"star\"\n");
        try
        {
            string[] args = perChar ? ["--grammar", path, "--grammar-per-char", "--mirostat", "2"] : ["--grammar", path, "--seed", "4"];
            var r = Generate(args);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Matches(@"\A(sun|moon|star)( (sun|moon|star)){0,2}!\n\z", r.Out);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadRegexIsOneLineError()
    {
        var r = Generate("--regex", "[0-9");
        AssertOneLineError(r, "--regex: ");
        Assert.Equal("", r.Out.Trim());
    }

    [Fact]
    public void BadGrammarIsOneLineErrorWithPosition()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-bad-{Guid.NewGuid():N}.gbnf");
        File.WriteAllText(path, "root ::= \"a\" | (\n");
        try
        {
            var r = Generate("--grammar", path);
            AssertOneLineError(r, "--grammar: ");
            Assert.Matches(new Regex("line \\d+, column \\d+"), r.ErrorLines[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingGrammarFileIsOneLineError() =>
        AssertOneLineError(Generate("--grammar", "no-such-grammar.gbnf"), "grammar file not found");

    [Fact]
    public void ConstraintFlagsAreMutuallyExclusive() =>
        AssertOneLineError(Generate("--regex", "a", "--choice", "a,b"), "choose one of --regex, --grammar, --choice, --json-schema and --json-schema-inline");

    [Fact]
    public void PerCharWithoutGrammarIsAnError() =>
        AssertOneLineError(Generate("--regex", "a", "--grammar-per-char"), "--grammar-per-char needs --grammar");

    [Fact]
    public void EmptyChoiceIsAnError() =>
        AssertOneLineError(Generate("--choice", "a,,b"), "--choice: empty choice");

    [Theory]
    [InlineData("--beams", "2")]
    [InlineData("--beams", "4", "--diverse-groups", "2")]
    [InlineData("--contrastive-alpha", "0.6")]
    public void RegexWorksWithBeamAndContrastiveSearch(params string[] search)
    {
        var r = Generate(["--regex", "[0-9]{3}-[a-z]{1,8}", "--json", .. search]);
        Assert.True(r.ExitCode == 0, r.Error);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Matches(@"\A[0-9]{3}-[a-z]{1,8}\z", doc.RootElement.GetProperty("text").GetString());
        Assert.Equal("end_of_generation", doc.RootElement.GetProperty("stats").GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void ChoiceWithBeamsPrintsExactlyOneChoice()
    {
        var r = Generate("--choice", "yes,no,maybe", "--beams", "3");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains(r.Out.TrimEnd('\n'), new[] { "yes", "no", "maybe" });
    }

    [Fact]
    public void AsapWithBeamSearchIsAnError() =>
        AssertOneLineError(Generate("--regex", "a", "--beams", "2", "--asap", "2"), "does not apply to --beams");
}
