namespace Spindle.Constraints.MaskBench;

/// <summary>Counts over all schemas and the timing percentiles (µs) of masks between tokens (TBM) and first masks (TTFM).</summary>
public sealed class MaskBenchReport
{
    public List<MaskBenchOutcome> Outcomes { get; } = [];
    public List<double> TbmMicroseconds { get; } = [];
    public List<double> TtfmMicroseconds { get; } = [];
    public long Tokens { get; set; }

    public int Schemas => Outcomes.Count;
    public int SchemasWithTests => Outcomes.Count(o => o.HasTests);
    public int Count(MaskBenchStatus status) => Outcomes.Count(o => o.Status == status);
    public int PassingWithTests => Outcomes.Count(o => o.HasTests && o.Status == MaskBenchStatus.Passing);

    public static (double Avg, double P50, double P99) Summary(List<double> values)
    {
        if (values.Count == 0) return (0, 0, 0);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return (sorted.Average(), Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
