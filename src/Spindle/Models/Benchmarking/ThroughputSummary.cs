namespace Spindle.Models.Benchmarking;

/// <summary>Tokens per second of one test over its repetitions (warm-up excluded); each sample is one repetition.</summary>
public sealed record ThroughputSummary(int TokenCount, IReadOnlyList<double> TokensPerSecond)
{
    public double Median => Percentile(0.5);

    public double Min => Sorted()[0];

    public double Max => Sorted()[^1];

    public double Mean
    {
        get
        {
            double sum = 0;
            foreach (double v in TokensPerSecond) sum += v;
            return sum / TokensPerSecond.Count;
        }
    }

    /// <summary>Sample standard deviation (n − 1), as llama-bench reports; 0 for a single repetition.</summary>
    public double StandardDeviation
    {
        get
        {
            int n = TokensPerSecond.Count;
            if (n < 2) return 0;
            double mean = Mean, sum = 0;
            foreach (double v in TokensPerSecond) sum += (v - mean) * (v - mean);
            return Math.Sqrt(sum / (n - 1));
        }
    }

    /// <summary>Builds the summary from each repetition's wall time in seconds.</summary>
    public static ThroughputSummary FromSeconds(int tokenCount, IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0) throw new ArgumentException("no repetitions", nameof(seconds));
        var rates = new double[seconds.Count];
        for (int i = 0; i < rates.Length; i++) rates[i] = tokenCount / Math.Max(seconds[i], 1e-9);
        return new ThroughputSummary(tokenCount, rates);
    }

    private double Percentile(double q)
    {
        var s = Sorted();
        double rank = q * (s.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }

    private double[] Sorted()
    {
        var s = new double[TokensPerSecond.Count];
        for (int i = 0; i < s.Length; i++) s[i] = TokensPerSecond[i];
        Array.Sort(s);
        return s;
    }
}
