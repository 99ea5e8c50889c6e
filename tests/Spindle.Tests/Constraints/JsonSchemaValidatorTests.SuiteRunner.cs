using System.Text.Json;
using Spindle.Constraints.JsonSchema.Validation;

namespace Spindle.Tests.Constraints;

/// <summary>Loads and runs files of the official JSON Schema Test Suite (shared/jsonschema/test-suite).</summary>
internal static class JsonSchemaTestSuite
{
    public static string Root => SharedData.PathOf("jsonschema", "test-suite");

    /// <summary>The suite's remotes/ folder as the documents served at http://localhost:1234/.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Remotes => LazyRemotes.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, JsonElement>> LazyRemotes = new(() =>
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string dir = Path.Combine(Root, "remotes");
        foreach (var file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(dir, file).Replace('\\', '/');
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            result["http://localhost:1234/" + rel] = doc.RootElement.Clone();
        }
        return result;
    });

    public static IEnumerable<string> Files(string draftFolder, bool optional)
    {
        string dir = Path.Combine(Root, draftFolder);
        var files = optional
            ? Directory.EnumerateFiles(Path.Combine(dir, "optional"), "*.json", SearchOption.AllDirectories)
            : Directory.EnumerateFiles(dir, "*.json", SearchOption.TopDirectoryOnly);
        var list = new List<string>();
        foreach (var f in files) list.Add(Path.GetRelativePath(Root, f).Replace('\\', '/'));
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    public static SchemaDraft DraftOf(string relativeFile) =>
        relativeFile.StartsWith("draft7/", StringComparison.Ordinal) ? SchemaDraft.Draft7 : SchemaDraft.Draft202012;

    /// <summary>Outcome of one file: total cases, and a line per case that disagreed (or threw), keyed
    /// "group description | test description".</summary>
    public sealed record FileOutcome(int Total, Dictionary<string, string> Failures);

    public static FileOutcome Run(string relativeFile, bool assertFormat)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, relativeFile)));
        var options = new JsonSchemaValidatorOptions
        {
            DefaultDraft = DraftOf(relativeFile),
            AssertFormat = assertFormat,
            RemoteDocuments = Remotes,
        };
        int total = 0;
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in doc.RootElement.EnumerateArray())
        {
            string groupName = group.GetProperty("description").GetString()!;
            JsonSchemaValidator? validator = null;
            string? compileError = null;
            try
            {
                validator = JsonSchemaValidator.Compile(group.GetProperty("schema"), options);
            }
            catch (JsonSchemaException ex)
            {
                compileError = "compile: " + ex.Message;
            }
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                total++;
                string name = groupName + " | " + test.GetProperty("description").GetString();
                bool expected = test.GetProperty("valid").GetBoolean();
                if (validator == null)
                {
                    failures[name] = compileError!;
                    continue;
                }
                try
                {
                    var data = test.GetProperty("data");
                    var result = validator.Validate(data);
                    bool fast = validator.IsValid(data);
                    if (result.IsValid != expected)
                        failures[name] = $"expected {(expected ? "valid" : "invalid")}, got {(result.IsValid ? "valid" : "invalid: " + result.Errors[0])}";
                    else if (fast != result.IsValid)
                        failures[name] = $"IsValid ({fast}) disagrees with Validate ({result.IsValid})";
                }
                catch (JsonSchemaException ex)
                {
                    failures[name] = "validate: " + ex.Message;
                }
            }
        }
        return new FileOutcome(total, failures);
    }
}
