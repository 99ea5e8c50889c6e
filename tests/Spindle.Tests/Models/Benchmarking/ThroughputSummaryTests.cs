using Spindle.Models.Benchmarking;

namespace Spindle.Tests.Models.Benchmarking;

public class ThroughputSummaryTests
{
    [Fact]
    public void Median_min_max_and_sample_stddev()
    {
        // 10 tokens in 1, 2, 4, 5 and 10 s → 10, 5, 2.5, 2, 1 tokens/s.
        var s = ThroughputSummary.FromSeconds(10, [1, 2, 4, 5, 10]);
        Assert.Equal(2.5, s.Median, 12);
        Assert.Equal(1, s.Min, 12);
        Assert.Equal(10, s.Max, 12);
        Assert.Equal(4.1, s.Mean, 12);
        double expectedStd = Math.Sqrt((5.9 * 5.9 + 0.9 * 0.9 + 1.6 * 1.6 + 2.1 * 2.1 + 3.1 * 3.1) / 4);
        Assert.Equal(expectedStd, s.StandardDeviation, 12);
    }

    [Fact]
    public void Even_count_median_averages_the_middle_pair() =>
        // 4, 3, 6, 2 tokens/s → middle pair 3 and 4.
        Assert.Equal(3.5, ThroughputSummary.FromSeconds(12, [3, 4, 2, 6]).Median, 12);

    [Fact]
    public void Single_repetition_has_no_spread() =>
        Assert.Equal(0, ThroughputSummary.FromSeconds(1, [0.5]).StandardDeviation);

    [Fact]
    public void Options_reject_negative_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelBenchmarkOptions { PromptTokens = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelBenchmarkOptions { Repetitions = 0 }.Validate());
    }
}
