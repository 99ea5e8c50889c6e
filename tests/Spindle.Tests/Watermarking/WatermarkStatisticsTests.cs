using Spindle.Watermarking;

namespace Spindle.Tests.Watermarking;

public sealed class WatermarkStatisticsTests
{
    [Theory]
    // Reference values of erfc from mpmath (50 digits, rounded to 17).
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.88753708398171510)]
    [InlineData(0.5, 0.47950012218695346)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.2247, 0.083275814798086395)]
    [InlineData(1.2248, 0.083250637571909052)]
    [InlineData(2.0, 4.6777349810472658e-3)]
    [InlineData(3.0, 2.2090496998585441e-5)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.0884875837625448e-45)]
    [InlineData(-1.0, 1.8427007929497149)]
    public void ErfcMatchesReferenceValues(double x, double expected)
    {
        double actual = WatermarkStatistics.Erfc(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-13 * expected, $"erfc({x}) = {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void NormalUpperTailAtFourIsTheUsualThreshold()
    {
        Assert.Equal(3.1671241833119921e-5, WatermarkStatistics.NormalUpperTail(4), 1e-18);
        Assert.Equal(0.5, WatermarkStatistics.NormalUpperTail(0), 1e-15);
        Assert.Equal(DetectionOptions.Default.PValueThreshold, WatermarkStatistics.NormalUpperTail(4));
    }

    [Theory]
    [InlineData(10, 0.5)]
    [InlineData(37, 0.25)]
    [InlineData(200, 0.5)]
    public void BinomialUpperTailEqualsTheSumOfTerms(int n, double p)
    {
        for (int k = 0; k <= n + 1; k++)
        {
            // Brute force in decimal-free double: every term from its log, summed from the smallest up.
            double expected = 0;
            for (int j = n; j >= k; j--) expected += Math.Exp(LogChoose(n, j) + j * Math.Log(p) + (n - j) * Math.Log(1 - p));
            double actual = WatermarkStatistics.BinomialUpperTail(n, k, p);
            Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Max(expected, 1e-300) + 1e-15,
                $"P(Bin({n}, {p}) ≥ {k}) = {actual:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void BinomialUpperTailFarInTheTailKeepsItsDigits()
    {
        // P(Bin(6000, ½) ≥ 3600) (z ≈ 15.5) is 1.068917396236744e-54 (mpmath, 60 digits).
        double p = WatermarkStatistics.BinomialUpperTail(6000, 3600, 0.5);
        Assert.InRange(p / 1.068917396236744e-54, 1 - 1e-9, 1 + 1e-9);
    }

    [Fact]
    public void SidakCorrectionIsOneMinusTheProductOfComplements()
    {
        Assert.Equal(1 - Math.Pow(1 - 0.01, 256), WatermarkStatistics.SidakCorrection(0.01, 256), 1e-12);
        Assert.Equal(256e-12 - 32_640e-24, WatermarkStatistics.SidakCorrection(1e-12, 256), 1e-22); // 1 − (1 − p)^256 to second order
        Assert.Equal(1.0, WatermarkStatistics.SidakCorrection(1, 4));
        Assert.Equal(0.0, WatermarkStatistics.SidakCorrection(0, 4));
    }

    private static double LogChoose(int n, int k)
    {
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.Log(n - k + i) - Math.Log(i);
        return s;
    }
}
