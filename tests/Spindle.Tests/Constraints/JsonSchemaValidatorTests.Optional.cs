namespace Spindle.Tests.Constraints;

public sealed partial class JsonSchemaValidatorTests
{
    public static TheoryData<string> OptionalFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in JsonSchemaTestSuite.Files("draft7", optional: true)) data.Add(f);
        foreach (var f in JsonSchemaTestSuite.Files("draft2020-12", optional: true)) data.Add(f);
        return data;
    }

    /// <summary>optional/ files: format/* run with format as an assertion (that is what they test), the rest with
    /// default options. Unsupported behaviour is listed in <see cref="KnownFailures"/> like everything else.</summary>
    [Theory]
    [MemberData(nameof(OptionalFiles))]
    public void OfficialSuite_OptionalFile(string file)
    {
        bool assertFormat = file.Contains("/optional/format/", StringComparison.Ordinal);
        var outcome = JsonSchemaTestSuite.Run(file, assertFormat);
        AssertOnlyKnownFailures(file, outcome);
    }
}
