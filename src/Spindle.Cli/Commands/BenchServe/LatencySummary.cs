namespace Spindle.Cli.Commands.BenchServe;

/// <summary>p50, p99 and mean of a set of latencies in milliseconds (percentiles as <see cref="Percentile"/> computes them).</summary>
internal sealed record LatencySummary(int Count, double P50, double P99, double Mean)
{
    /// <summary>The summary of <paramref name="values"/>, or null when there are none.</summary>
    public static LatencySummary? Of(IEnumerable<double> values)
    {
        var sorted = new List<double>(values);
        if (sorted.Count == 0) return null;
        sorted.Sort();
        double sum = 0;
        foreach (double v in sorted) sum += v;
        return new LatencySummary(sorted.Count, Percentile.Of(sorted, 50), Percentile.Of(sorted, 99), sum / sorted.Count);
    }
}
