using System.Globalization;
using static Spindle.Tests.Generation.GenerationTestModels;

namespace Spindle.Tests.Cli;

/// <summary>`spindle asap-demo` and `spindle generate --asap`.</summary>
public sealed class AsapCommandTests
{
    [Fact]
    public void AsapDemoPrintsAFallingKlCurveForAsapAndABiasedOneForMasking()
    {
        var r = CliRunner.Run("asap-demo", "-m", TinyStoriesF16, "-t", "1", "--samples", "300", "--seed", "1");
        Assert.True(r.ExitCode == 0, r.Error);
        var rows = r.Out.Split('\n').Where(l => l.Length > 0 && char.IsDigit(l.TrimStart()[0])).ToList();
        var last = rows[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("300", last[0]);
        double asap = double.Parse(last[1], CultureInfo.InvariantCulture), gcd = double.Parse(last[2], CultureInfo.InvariantCulture);
        Assert.True(asap < 0.05 && gcd > 1.0, rows[^1]);
    }

    [Fact]
    public void GenerateAsapPrintsOneChoiceAfterLearning()
    {
        var r = CliRunner.Run("generate", "-m", TinyStoriesF16, "-t", "1", "-p", "Once upon a time, there was a little",
            "--choice", " girl, dog, cat", "--asap", "20", "--temp", "1", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--seed", "4");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains(r.Out.TrimEnd('\n'), new[] { " girl", " dog", " cat" });
        Assert.Contains("asap: learned from 20 samples", r.Error);
    }

    [Fact]
    public void GenerateAsapWithoutAConstraintIsAOneLineError()
    {
        var r = CliRunner.Run("generate", "-m", TinyStoriesF16, "-p", "Hi", "--asap", "3");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--asap needs", r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }
}
