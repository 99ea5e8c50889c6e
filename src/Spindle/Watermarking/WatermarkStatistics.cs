namespace Spindle.Watermarking;

/// <summary>
/// The tail probabilities the detectors report, in double precision without a normal approximation where the exact
/// value is cheap: erfc to ~1 × 10⁻¹⁵ relative, the binomial upper tail summed term by term, and the Šidák correction
/// for the best of many candidates.
/// </summary>
public static class WatermarkStatistics
{
    private const double InvSqrtPi = 0.56418958354775628695;

    /// <summary>
    /// The complementary error function. Below x² = 1.5 it is 1 − erf from the series
    /// erf(x) = 2x·e^(−x²)/√π · Σ (2x²)ⁿ / (1·3·…·(2n+1)) (all terms positive); above, the continued fraction of
    /// Γ(½, x²)/√π evaluated with Lentz's method (Numerical Recipes §6.2), which keeps full relative precision far into
    /// the tail (erfc(10) ≈ 2.1 × 10⁻⁴⁵). Negative x: 2 − erfc(−x).
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        double x2 = x * x;
        if (x2 < 1.5)
        {
            double term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return 1 - 2 * InvSqrtPi * Math.Exp(-x2) * sum;
        }
        if (x > 27) return 0; // below the smallest double
        // Γ(a, y) = e^(−y) y^a · 1/(y + 1 − a − 1·(1 − a)/(y + 3 − a − 2·(2 − a)/(y + 5 − a − …))) with a = ½, y = x².
        const double a = 0.5, tiny = 1e-300;
        double b = x2 + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i < 500; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x2) * x * h * InvSqrtPi; // e^(−y)·y^½·h/√π
    }

    /// <summary>P(Z ≥ z) for a standard normal Z: erfc(z/√2)/2.</summary>
    public static double NormalUpperTail(double z) => 0.5 * Erfc(z * 0.70710678118654752440);

    /// <summary>
    /// P(X ≥ <paramref name="successes"/>) for X ~ Binomial(<paramref name="trials"/>, <paramref name="p"/>), exact to
    /// rounding: the first term from log-gamma, the rest by the ratio of consecutive terms until they vanish. Above the
    /// mean the upper terms are summed; at or below it, 1 − the lower terms (then the result is ≳ ½ and has no small digits to lose).
    /// </summary>
    public static double BinomialUpperTail(int trials, int successes, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in [0, 1]");
        if (successes <= 0) return 1;
        if (successes > trials) return 0;
        if (p == 0) return 0;
        if (p == 1) return 1;
        double odds = p / (1 - p);
        if (successes > trials * p)
        {
            // Σ_{j ≥ k} pmf(j): pmf(j+1)/pmf(j) = (n − j)/(j + 1)·p/(1 − p) < 1 past the mean.
            double first = Math.Exp(LogBinomialPmf(trials, successes, p));
            double term = 1, sum = 1;
            for (int j = successes; j < trials; j++)
            {
                term *= (double)(trials - j) / (j + 1) * odds;
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return Math.Min(1, first * sum);
        }
        else
        {
            // 1 − Σ_{j < k} pmf(j), summed down from k − 1 where the terms are largest.
            int k = successes - 1;
            double first = Math.Exp(LogBinomialPmf(trials, k, p));
            double term = 1, sum = 1;
            for (int j = k; j > 0; j--)
            {
                term *= j / ((double)(trials - j + 1) * odds);
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return Math.Max(0, 1 - first * sum);
        }
    }

    /// <summary>
    /// The Šidák-corrected p-value of the best of <paramref name="candidates"/> independent tests: 1 − (1 − p)^m,
    /// computed without cancellation for small p (−expm1(m·log1p(−p))).
    /// </summary>
    public static double SidakCorrection(double p, double candidates)
    {
        if (!(p > 0)) return 0;
        if (p >= 1) return 1;
        double x = candidates * Log1P(-p);
        return Math.Min(1, -ExpM1(x));
    }

    /// <summary>ln C(n, k) + k ln p + (n − k) ln(1 − p).</summary>
    internal static double LogBinomialPmf(int n, int k, double p) =>
        LogGamma(n + 1.0) - LogGamma(k + 1.0) - LogGamma(n - k + 1.0) + k * Math.Log(p) + (n - k) * Log1P(-p);

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9: ~1 × 10⁻¹⁵ relative).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double a = 0.99999999999980993, t = x + 7.5;
        a += 676.5203681218851 / (x + 1);
        a += -1259.1392167224028 / (x + 2);
        a += 771.32342877765313 / (x + 3);
        a += -176.61502916214059 / (x + 4);
        a += 12.507343278686905 / (x + 5);
        a += -0.13857109526572012 / (x + 6);
        a += 9.9843695780195716e-6 / (x + 7);
        a += 1.5056327351493116e-7 / (x + 8);
        return 0.91893853320467274178 + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    /// <summary>ln(1 + x) accurate for small x.</summary>
    internal static double Log1P(double x)
    {
        if (Math.Abs(x) > 1e-4) return Math.Log(1 + x);
        return x * (1 - x * (0.5 - x * (1.0 / 3 - x * 0.25)));
    }

    /// <summary>eˣ − 1 accurate for small x.</summary>
    internal static double ExpM1(double x)
    {
        if (Math.Abs(x) > 1e-4) return Math.Exp(x) - 1;
        return x * (1 + x * (0.5 + x * (1.0 / 6 + x / 24)));
    }
}
