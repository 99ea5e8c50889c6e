using Spindle.Chat;

namespace Spindle.Tests.Chat;

/// <summary>
/// Property tests of the template sandbox: seeded generators (<see cref="HostileTemplates"/>) produce hostile
/// templates of every class, each rendered with the default <see cref="ChatTemplateLimits"/>. Every case must end
/// within <see cref="HostileRun.TimeBound"/>, allocate at most <see cref="HostileRun.AllocationBound"/>, and stop on one
/// of the limits its class names (or render, or fail as an ordinary template error, when it is harmless).
/// Set SPINDLE_HOSTILE_REPORT to a file path to have each class append its case count, stops, and worst time and
/// allocation there.
/// </summary>
public class HostileTemplateTests
{
    private static void RunAll(string name, IEnumerable<HostileCase> cases)
    {
        var outcomes = new List<HostileRun.Outcome>();
        foreach (var c in cases)
        {
            var o = HostileRun.Run(c.Source);
            if (c.Limits.Length == 0) Assert.True(o.Limit is null, $"{c.Construct}: stopped by a limit where it should not be: {o.Describe()}");
            else HostileRun.AssertStoppedBy(o, c.Limits);
            outcomes.Add(o);
        }
        Assert.NotEmpty(outcomes);
        HostileRun.Report(name, outcomes);
    }

    [Fact]
    public void DeepExpressionsStopAtTheNestingDepth() =>
        RunAll("deep expressions (22 constructs and a random mix, 300 to 100,000 deep)", HostileTemplates.DeepExpressions(new Random(101), 3));

    [Fact]
    public void DeepBlocksStopAtTheNestingDepth() =>
        RunAll("deep blocks (if, else, for, macro, set, filter, generation, call, and a random mix)", HostileTemplates.DeepStatements(new Random(102), 3));

    [Fact]
    public void ModerateNestingAndLongChainsRender() =>
        RunAll("moderate nesting (20 to 60 deep) and a 1,000+ elif chain", HostileTemplates.ModerateNesting(new Random(103)));

    [Fact]
    public void DeepValuesStopAtTheNestingDepthWhenWalkedRecursively() =>
        RunAll("values nested up to 100,000 deep, built in-template, then printed, serialized or compared", HostileTemplates.DeepValues(new Random(104), 24));

    [Fact]
    public void SharedStructureValuesStopOnStepsOrSize() =>
        RunAll("shared-structure values (x = [x, x], 40 to 120 rounds)", HostileTemplates.SharedStructureValues(new Random(105), 16));

    [Fact]
    public void CyclicNamespacesStopAtTheNestingDepth() =>
        RunAll("a namespace containing itself", HostileTemplates.CyclicValues());

    [Fact]
    public void LoopProductsStopAtTheIterationLimit() =>
        RunAll("nested loops over ranges (2 to 4 deep, product over 2 million)", HostileTemplates.LoopProducts(new Random(106), 8));

    [Fact]
    public void MultiplicationStopsAtTheSizeLimits() =>
        RunAll("string and list multiplication", HostileTemplates.Multiplication(new Random(107), 24));

    [Fact]
    public void PaddingAndFormattingStopAtTheStringLimit() =>
        RunAll("format width and precision, center, indent, tojson indent, strftime", HostileTemplates.Padding(new Random(108), 30));

    [Fact]
    public void RepeatedDoublingStopsAtTheSizeLimits() =>
        RunAll("doubling 30 to 64 times (~, +, replace, join, *, %, format, set block, macro, indent, center, tojson, lists)", HostileTemplates.Doubling(new Random(109), 24));

    [Fact]
    public void ManyLargeValuesStopOnMemoryOrOutput() =>
        RunAll("many values each within the size limits (1 to 8 M characters)", HostileTemplates.ManyLargeValues(new Random(110), 8));

    [Fact]
    public void QuadraticTrapsStayLinearAndRepeatedReadsAreCharged() =>
        RunAll("search, strip, striptags and dict keys on 4 M characters; the same repeated 100,000 times", HostileTemplates.QuadraticTraps());

    [Fact]
    public void RecursionStopsAtTheCallDepthOrSteps() =>
        RunAll("macro recursion: deep, wide, three-way, mutual, caller(), map('map', ...), loop()", HostileTemplates.Recursion(new Random(111), 18));
}
