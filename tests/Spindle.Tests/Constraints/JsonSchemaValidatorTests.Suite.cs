using Xunit.Abstractions;

namespace Spindle.Tests.Constraints;

/// <summary>
/// The official JSON Schema Test Suite, one theory row per file. Every case must pass except those listed in
/// <see cref="KnownFailures"/> with the reason; a listed case that starts passing fails the test too, so the list
/// stays exact.
/// </summary>
public sealed partial class JsonSchemaValidatorTests
{
    private readonly ITestOutputHelper _output;

    public JsonSchemaValidatorTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> RequiredFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in JsonSchemaTestSuite.Files("draft7", optional: false)) data.Add(f);
        foreach (var f in JsonSchemaTestSuite.Files("draft2020-12", optional: false)) data.Add(f);
        return data;
    }

    [Theory]
    [MemberData(nameof(RequiredFiles))]
    public void OfficialSuite_RequiredFile(string file)
    {
        var outcome = JsonSchemaTestSuite.Run(file, assertFormat: false);
        AssertOnlyKnownFailures(file, outcome);
    }

    private void AssertOnlyKnownFailures(string file, JsonSchemaTestSuite.FileOutcome outcome)
    {
        var unexpected = new List<string>();
        foreach (var (name, why) in outcome.Failures)
            if (!KnownFailures.ContainsKey(file + " | " + name)) unexpected.Add($"{name}: {why}");
        var nowPassing = new List<string>();
        foreach (var key in KnownFailures.Keys)
            if (key.StartsWith(file + " | ", StringComparison.Ordinal) && !outcome.Failures.ContainsKey(key[(file.Length + 3)..]))
                nowPassing.Add(key);
        _output.WriteLine($"{file}: {outcome.Total - outcome.Failures.Count}/{outcome.Total} pass");
        Assert.True(unexpected.Count == 0 && nowPassing.Count == 0,
            $"{file}: {unexpected.Count} unexpected failure(s):\n  " + string.Join("\n  ", unexpected) +
            (nowPassing.Count > 0 ? "\nlisted as known failures but passing now:\n  " + string.Join("\n  ", nowPassing) : ""));
    }

    /// <summary>"file | group | test" → why the case is not expected to pass.</summary>
    private static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal)
    {
    };
}
