namespace Spindle.Tests.Decoding.Speculative;

/// <summary>Pearson's χ² goodness-of-fit test with its p-value (upper regularized incomplete gamma).</summary>
internal static class ChiSquare
{
    /// <summary>χ² statistic and p-value of <paramref name="observed"/> counts against <paramref name="expected"/> ones.</summary>
    public static (double Statistic, int DegreesOfFreedom, double P) Test(IReadOnlyList<double> observed, IReadOnlyList<double> expected)
    {
        double x = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            double d = observed[i] - expected[i];
            x += d * d / expected[i];
        }
        int df = observed.Count - 1;
        return (x, df, UpperGamma(df / 2.0, x / 2.0));
    }

    /// <summary>Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, a continued fraction above.</summary>
    internal static double UpperGamma(double a, double x)
    {
        if (x <= 0) return 1;
        double logPrefix = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            double term = 1 / a, sum = term;
            for (int n = 1; n < 10_000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-15) break;
            }
            return 1 - sum * Math.Exp(logPrefix);
        }
        // Lentz's method for the continued fraction of Γ(a, x).
        double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
        for (int i = 1; i < 10_000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < 1e-300) d = 1e-300;
            c = b + an / c;
            if (Math.Abs(c) < 1e-300) c = 1e-300;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return Math.Exp(logPrefix) * h;
    }

    private static double LogGamma(double x)
    {
        // Lanczos approximation (g = 7, n = 9).
        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double a = g[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += g[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }
}
