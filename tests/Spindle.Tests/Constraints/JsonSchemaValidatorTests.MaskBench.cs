using System.Diagnostics;
using System.Text.Json;
using Spindle.Constraints.JsonSchema.Validation;

namespace Spindle.Tests.Constraints;

public sealed partial class JsonSchemaValidatorTests
{
    /// <summary>
    /// Every MaskBench schema (shared/jsonschema/maskbench): how many compile, and how many of their labelled
    /// instances get the labelled verdict, with format as annotation and as assertion. Real-world schemas include
    /// draft-3 leftovers and refs to meta-schemas, so thresholds sit just under the measured numbers and guard
    /// against regressions. MaskBench's labels follow format assertion: with format as annotation ~720 invalid
    /// instances (bad dates, emails, URIs...) are accepted.
    /// </summary>
    [Fact]
    public void MaskBench_SchemasCompileAndInstancesAgree()
    {
        var files = Directory.GetFiles(SharedData.PathOf("jsonschema", "maskbench"), "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        var annotate = new JsonSchemaValidatorOptions();
        var assert = new JsonSchemaValidatorOptions { AssertFormat = true };
        int compiled = 0, instances = 0, agreeAnnotate = 0, agreeAssert = 0, validationErrors = 0, assertionLooser = 0;
        var compileFailures = new Dictionary<string, string>(StringComparer.Ordinal);
        var disagreements = new List<string>();
        var sw = Stopwatch.StartNew();
        var compileWatch = new Stopwatch();
        var validateWatch = new Stopwatch();
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var schema = doc.RootElement.GetProperty("schema");
            JsonSchemaValidator a, b;
            try
            {
                compileWatch.Start();
                a = JsonSchemaValidator.Compile(schema, annotate);
                compileWatch.Stop();
                b = JsonSchemaValidator.Compile(schema, assert);
            }
            catch (JsonSchemaException ex)
            {
                compileFailures[Path.GetFileName(file)] = ex.Message;
                continue;
            }
            compiled++;
            if (!doc.RootElement.TryGetProperty("tests", out var tests)) continue;
            foreach (var test in tests.EnumerateArray())
            {
                instances++;
                bool expected = test.GetProperty("valid").GetBoolean();
                var data = test.GetProperty("data");
                try
                {
                    bool annotated = a.IsValid(data);
                    if (annotated == expected) agreeAnnotate++;
                    validateWatch.Start();
                    bool asserted = b.IsValid(data);
                    validateWatch.Stop();
                    // Asserting format only adds checks: it may reject what annotation accepts, never the reverse.
                    if (asserted && !annotated)
                    {
                        assertionLooser++;
                        if (disagreements.Count < 40) disagreements.Add($"{Path.GetFileName(file)} / {test.GetProperty("description").GetString()}: valid only with format asserted");
                    }
                    if (asserted != b.Validate(data).IsValid) throw new InvalidOperationException($"{file}: IsValid and Validate disagree");
                    if (asserted == expected) agreeAssert++;
                    else if (disagreements.Count < 40)
                        disagreements.Add($"{Path.GetFileName(file)} / {test.GetProperty("description").GetString()}: expected {expected}");
                }
                catch (JsonSchemaException ex)
                {
                    validationErrors++;
                    if (disagreements.Count < 40) disagreements.Add($"{Path.GetFileName(file)} / {test.GetProperty("description").GetString()}: {ex.Message}");
                }
            }
        }
        _output.WriteLine($"maskbench: {files.Length} schemas, {compiled} compile; {instances} instances; " +
                          $"agree (format annotation) {agreeAnnotate}, agree (format assertion) {agreeAssert}; " +
                          $"evaluation errors {validationErrors}, valid only with format asserted {assertionLooser}; {sw.Elapsed.TotalSeconds:F1} s total; " +
                          $"compile {compileWatch.Elapsed.TotalMilliseconds * 1000 / compiled:F0} µs/schema, " +
                          $"IsValid {validateWatch.Elapsed.TotalMilliseconds * 1000 / Math.Max(instances, 1):F1} µs/instance");
        foreach (var (name, reason) in compileFailures) _output.WriteLine($"  compile failure {name}: {reason}");
        foreach (var d in disagreements) _output.WriteLine("  disagree (assert): " + d);
        // Measured 2026-11: 7648/7649 compile (swagger-2.0 refs the draft-04 meta-schema), 25823/25823 agree.
        Assert.True(files.Length > 0 && instances > 0, $"{files.Length} MaskBench files, {instances} labelled instances");
        Assert.True(validationErrors == 0, $"{validationErrors} instances threw while being validated");
        Assert.True(assertionLooser == 0, $"{assertionLooser} instances were valid only with format asserted");
        Assert.True(compiled * 1000L >= files.Length * 999L, $"only {compiled}/{files.Length} MaskBench schemas compile");
        Assert.True(agreeAssert * 1000L >= instances * 999L, $"only {agreeAssert}/{instances} MaskBench instances agree (format asserted)");
        Assert.True(agreeAnnotate * 100L >= instances * 97L, $"only {agreeAnnotate}/{instances} MaskBench instances agree (format annotated)");
    }
}
