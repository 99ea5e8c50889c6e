using Spindle.Watermarking.Evaluation;

namespace Spindle.Tests.Watermarking.Evaluation;

/// <summary>AUC, the empirical threshold and TPR at an FPR, and message accuracy against hand-computed examples.</summary>
public sealed class DetectionMetricsTests
{
    [Fact]
    public void AucCountsPairsAndHalvesTies()
    {
        // Pairs (positive, negative): 3>0, 3>2, 2>0, 2=2 (½), 1>0, 1<2 → 4.5 of 6.
        Assert.Equal(0.75, DetectionMetrics.RocAuc([3, 2, 1], [0, 2]), 12);
        Assert.Equal(1.0, DetectionMetrics.RocAuc([5, 6], [1, 2, 3]), 12);
        Assert.Equal(0.0, DetectionMetrics.RocAuc([1, 2], [3, 4]), 12);
        Assert.Equal(0.5, DetectionMetrics.RocAuc([7, 7, 7], [7, 7]), 12);
        // Ties across several values: positives {1, 2, 2}, negatives {2, 1}: 1 vs (2: 0, 1: ½), 2 vs (2: ½, 1: 1) twice → 3.5/6.
        Assert.Equal(3.5 / 6, DetectionMetrics.RocAuc([1, 2, 2], [2, 1]), 12);
        // Infinities are scores like any other (a p-value that underflowed to 0).
        Assert.Equal(1.0, DetectionMetrics.RocAuc([double.PositiveInfinity], [1e300, double.NegativeInfinity]), 12);
        Assert.Throws<ArgumentException>(() => DetectionMetrics.RocAuc([double.NaN], [1]));
        Assert.Throws<ArgumentException>(() => DetectionMetrics.RocAuc([], [1]));
    }

    [Fact]
    public void AucMatchesTheQuadraticPairCountOnRandomScores()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            // Few distinct values, so ties are frequent.
            double[] pos = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => (double)random.Next(8))];
            double[] neg = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => (double)random.Next(6))];
            double pairs = 0;
            foreach (double p in pos)
                foreach (double q in neg)
                    pairs += p > q ? 1 : p == q ? 0.5 : 0;
            Assert.Equal(pairs / (pos.Length * neg.Length), DetectionMetrics.RocAuc(pos, neg), 12);
        }
    }

    [Fact]
    public void EmpiricalThresholdKeepsTheFalsePositiveRate()
    {
        double[] negatives = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        // 1% of 100: one negative may lie above, so the threshold is the second largest.
        Assert.Equal(99, DetectionMetrics.EmpiricalThreshold(negatives, 0.01));
        var rates = DetectionMetrics.AtFalsePositiveRate([99, 99.5, 100, 50], negatives, 0.01);
        Assert.Equal(new ThresholdRates(99, 0.5, 0.01), rates); // 99 itself is not above
        Assert.Equal(100, DetectionMetrics.EmpiricalThreshold(negatives, 0));
        // 1% of 50 rounds down to none: the largest negative.
        Assert.Equal(50, DetectionMetrics.EmpiricalThreshold(negatives[..50], 0.01));
        Assert.Equal(2, DetectionMetrics.EmpiricalThreshold([4, 1, 3, 2], 0.5));
        Assert.Equal(0.5, DetectionMetrics.RateAbove([4, 1, 3, 2], 2));
        // Ties at the threshold: none lies strictly above, so the measured FPR is 0, below the rate asked.
        var tied = DetectionMetrics.AtFalsePositiveRate([6, 5], [5, 5, 5, 1], 0.25);
        Assert.Equal(new ThresholdRates(5, 0.5, 0), tied);
        Assert.Equal(double.NegativeInfinity, DetectionMetrics.EmpiricalThreshold([1, 2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMetrics.EmpiricalThreshold([1], -0.1));
    }

    [Fact]
    public void MessageFigures()
    {
        Assert.Equal(0.75, DetectionMetrics.BitAccuracy(0b1010, 0b1000, 4));
        Assert.Equal(1.0, DetectionMetrics.BitAccuracy(0xFF0F, 0x0F, 8)); // only the low 8 bits count
        Assert.Equal(0.0, DetectionMetrics.BitAccuracy(0, ulong.MaxValue, 64));
        Assert.Equal(0.04, DetectionMetrics.BitsPerToken(8, 200), 12);
        Assert.Equal(0, DetectionMetrics.BitsPerToken(8, 0));
    }
}
