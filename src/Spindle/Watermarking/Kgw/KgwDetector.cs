namespace Spindle.Watermarking.Kgw;

/// <summary>
/// Detects a <see cref="KgwOptions"/> watermark in token ids. Token t ≥ h is scored with the h tokens before it as its
/// context (the first h tokens are context only: pass the tail of the prompt first to score every generated token). A
/// token whose PRF input (seed, token) was already scored, a repeated n-gram, is skipped: its greenness is the same
/// coin as before, and counting it twice would break the independence the z-test assumes (Kirchenbauer et al. 2023,
/// "ignore repeated n-grams"). With T tokens scored and g green, z = (g − γT)/√(Tγ(1 − γ)) and the p-value is the
/// normal upper tail (the count is exactly Binomial(T, γ) under the null; the normal tail is the textbook test).
/// With h = 0 (the unigram watermark) every token is scored and each distinct token counts once.
/// </summary>
public sealed class KgwDetector
{
    private readonly KgwPrf _prf;
    private readonly DetectionOptions _detection;
    private readonly double _gamma;

    public KgwDetector(KgwOptions options, DetectionOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        detection ??= DetectionOptions.Default;
        detection.Validate();
        _prf = new KgwPrf(options);
        _detection = detection;
        _gamma = options.Gamma;
    }

    /// <summary>Scores <paramref name="tokens"/>; any input, empty included, gets a verdict rather than an exception.</summary>
    public KgwDetection Detect(ReadOnlySpan<int> tokens)
    {
        int h = _prf.ContextWidth;
        int scored = 0, green = 0;
        if (tokens.Length > h)
        {
            var seen = new HashSet<ulong>(tokens.Length - h);
            ulong threshold = _prf.Threshold;
            for (int t = h; t < tokens.Length; t++)
            {
                ulong value = _prf.Value(_prf.ContextState(tokens.Slice(t - h, h)), tokens[t]);
                if (!seen.Add(value)) continue;
                scored++;
                if (value < threshold) green++;
            }
        }
        double z = ZScore(green, scored, _gamma);
        double p = scored == 0 ? 1 : WatermarkStatistics.NormalUpperTail(z);
        return new KgwDetection(_detection.Verdict(scored, p), scored, green, z, p);
    }

    /// <summary>(g − γT)/√(Tγ(1 − γ)); 0 for T = 0.</summary>
    public static double ZScore(int green, int scored, double gamma) =>
        scored == 0 ? 0 : (green - gamma * scored) / Math.Sqrt(scored * gamma * (1 - gamma));
}
