namespace Spindle.Watermarking.BlackBox;

/// <summary>
/// Detects a <see cref="BlackBoxOptions"/> watermark in plain text, without a model: each scored word's keyed bit
/// (<see cref="BlackBoxCode"/>) is a fair coin under the null, a (previous word, word) pair seen before is skipped
/// (its bit is the same coin again), and with T scored and g ones, z = (g − T/2)/√(T/4), p = P(Z ≥ z). The verdict
/// follows <see cref="DetectionOptions"/> like the token detectors' (z ≥ 4 by default, at least 16 scored words).
/// </summary>
public sealed class BlackBoxDetector
{
    private readonly ulong _domain;
    private readonly DetectionOptions _detection;

    public BlackBoxDetector(BlackBoxOptions options, DetectionOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        detection ??= DetectionOptions.Default;
        detection.Validate();
        _domain = BlackBoxCode.Domain(options.Key);
        _detection = detection;
    }

    public BlackBoxDetector(WatermarkKey key, DetectionOptions? detection = null)
        : this(new BlackBoxOptions { Key = key }, detection)
    {
    }

    /// <summary>Scores <paramref name="text"/>; any text, empty included, gets a verdict rather than an exception.</summary>
    public BlackBoxDetection Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = BlackBoxCode.Words(text);
        var seen = new HashSet<ulong>();
        int scored = 0, ones = 0;
        ulong previous = BlackBoxCode.WordHash(null);
        foreach (var w in words)
        {
            ulong hash = BlackBoxCode.WordHash(text.Substring(w.Start, w.Length));
            if (w.Scored)
            {
                ulong value = BlackBoxCode.Value(_domain, previous, hash);
                if (seen.Add(value))
                {
                    scored++;
                    ones += (int)(value >> 63);
                }
            }
            previous = hash;
        }
        double z = scored == 0 ? 0 : (ones - 0.5 * scored) / Math.Sqrt(0.25 * scored);
        double p = scored == 0 ? 1 : WatermarkStatistics.NormalUpperTail(z);
        return new BlackBoxDetection(_detection.Verdict(scored, p), scored, ones, z, p);
    }
}
