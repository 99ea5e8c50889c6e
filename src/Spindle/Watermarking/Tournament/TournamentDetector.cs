namespace Spindle.Watermarking.Tournament;

/// <summary>
/// Detects a <see cref="TournamentOptions"/> watermark by the mean g-score (SynthID-Text's "mean" scoring function):
/// token t ≥ H is scored with the H tokens before it; a token whose context already occurred earlier in the text is
/// skipped (the generator left it unwatermarked too, and its g-values would repeat). Under the null each of the T·m
/// g-values of the scored tokens is an independent fair coin, so their sum is Binomial(T·m, ½) and the p-value is its
/// exact upper tail (<see cref="WatermarkStatistics.BinomialUpperTail"/>); the z-score is reported beside it.
/// </summary>
public sealed class TournamentDetector
{
    private readonly TournamentGValues _g;
    private readonly DetectionOptions _detection;

    public TournamentDetector(TournamentOptions options, DetectionOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        detection ??= DetectionOptions.Default;
        detection.Validate();
        _g = new TournamentGValues(options);
        _detection = detection;
    }

    /// <summary>Scores <paramref name="tokens"/>; any input, empty included, gets a verdict rather than an exception.</summary>
    public TournamentDetection Detect(ReadOnlySpan<int> tokens)
    {
        int h = _g.ContextWidth, m = _g.Layers;
        int scored = 0, ones = 0;
        if (tokens.Length > h)
        {
            var seen = new HashSet<ulong>(tokens.Length - h);
            for (int t = h; t < tokens.Length; t++)
            {
                ulong context = _g.ContextState(tokens.Slice(t - h, h));
                if (!seen.Add(context)) continue;
                scored++;
                ones += TournamentPicker.Score(TournamentGValues.Of(context, tokens[t]), _g.LayerMask);
            }
        }
        int trials = scored * m;
        double mean = trials == 0 ? 0 : (double)ones / trials;
        double z = trials == 0 ? 0 : (ones - 0.5 * trials) / Math.Sqrt(0.25 * trials);
        double p = trials == 0 ? 1 : WatermarkStatistics.BinomialUpperTail(trials, ones, 0.5);
        return new TournamentDetection(_detection.Verdict(scored, p), scored, m, ones, mean, z, p);
    }
}
