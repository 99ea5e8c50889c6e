using Spindle.Cli.Commands.BenchServe;

namespace Spindle.Tests.Cli.BenchServe;

public class PercentileTests
{
    private static readonly double[] OneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [InlineData(0, 1)]
    [InlineData(50, 5.5)]   // the mean of the middle two
    [InlineData(90, 9.1)]
    [InlineData(99, 9.91)]  // numpy.percentile(range(1, 11), 99)
    [InlineData(100, 10)]
    public void Interpolates_linearly_between_ranks(double percent, double expected) =>
        Assert.Equal(expected, Percentile.Of(OneToTen, percent), 9);

    [Fact]
    public void One_value_is_every_percentile()
    {
        Assert.Equal(42, Percentile.Of([42.0], 50));
        Assert.Equal(42, Percentile.Of([42.0], 99));
    }

    [Fact]
    public void Summary_sorts_and_averages()
    {
        var s = LatencySummary.Of([30.0, 10, 20, 40])!;
        Assert.Equal(4, s.Count);
        Assert.Equal(25, s.P50, 9);
        Assert.Equal(39.7, s.P99, 9);
        Assert.Equal(25, s.Mean, 9);
        Assert.Null(LatencySummary.Of([]));
    }

    [Fact]
    public void No_values_or_a_bad_percent_throws()
    {
        Assert.Throws<ArgumentException>(() => Percentile.Of([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.Of(OneToTen, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.Of(OneToTen, double.NaN));
    }
}
