namespace Spindle.Cli.Commands.BenchServe;

/// <summary>
/// Percentiles by linear interpolation between the two nearest ranks (numpy's default, Hyndman and Fan's type 7):
/// p of n sorted values sits at rank p/100 × (n − 1). With a handful of samples p99 is then close to the maximum
/// rather than equal to it, and p50 of an even count is the mean of the middle two, as most serving benchmarks report.
/// </summary>
internal static class Percentile
{
    /// <param name="sorted">Ascending values, at least one.</param>
    /// <param name="percent">In [0, 100].</param>
    public static double Of(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        if (percent is < 0 or > 100 || double.IsNaN(percent)) throw new ArgumentOutOfRangeException(nameof(percent));
        double rank = percent / 100 * (sorted.Count - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Count - 1);
        double fraction = rank - below;
        return sorted[below] + (sorted[above] - sorted[below]) * fraction;
    }
}
