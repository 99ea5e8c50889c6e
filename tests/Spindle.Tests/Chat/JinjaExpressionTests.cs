using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Spindle.Chat.Jinja;

namespace Spindle.Tests.Chat;

/// <summary>
/// Differential check against Jinja2: ~1500 random nested expressions (Data/make-expression-cases.py) mixing
/// arithmetic, comparisons, membership, filters, tests, conditionals and undefined values. Each must print what
/// Jinja2 printed, or fail where Jinja2 raised.
/// </summary>
public class JinjaExpressionTests
{
    private static string DataPath([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Data", "jinja2-expression-cases.json");

    [Fact]
    public void EveryExpressionMatchesJinja2()
    {
        var cases = JsonNode.Parse(File.ReadAllText(DataPath()))!.AsArray();
        Assert.True(cases.Count > 1400);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            string template = (string)c![0]!, expected = (string)c[1]!;
            bool expectError = (bool)c[2]!;
            try
            {
                string actual = JinjaInterpreterTests.Render(template);
                if (expectError) failures.Add($"{template}: expected {expected}, rendered '{actual}'");
                else if (actual != expected) failures.Add($"{template}: expected '{expected}', rendered '{actual}'");
            }
            catch (JinjaRuntimeException e)
            {
                if (!expectError) failures.Add($"{template}: expected '{expected}', failed with {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} differ:\n" + string.Join("\n", failures.Take(20)));
    }
}
