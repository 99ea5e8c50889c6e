using System.Globalization;
using System.Text;
using Spindle.Caching;
using Spindle.Generation;
using Spindle.Models;

namespace Spindle.Decoding.EntropyAdaptive;

/// <summary>
/// Measures how far an entropy-adaptive output is from the large model's own: token agreement with the large-only
/// output, and perplexity under the large model; and runs a whole curve (several settings over several prompts)
/// against the large-only reference.
/// </summary>
public static class EntropyAdaptiveComparison
{
    /// <summary>Settings under which the decoder is exactly the large model (it starts large and never hands back).</summary>
    public static EntropyAdaptiveOptions LargeOnly { get; } = new()
    {
        StartWithLarge = true, TauUp = double.NegativeInfinity, TauDown = double.NegativeInfinity,
    };

    /// <summary>Settings under which the decoder is exactly the small model (the large one never takes over).</summary>
    public static EntropyAdaptiveOptions SmallOnly { get; } = new() { TauUp = double.PositiveInfinity, TauDown = double.PositiveInfinity };

    /// <summary>Position-by-position agreement of <paramref name="output"/> with <paramref name="reference"/>, up to the shorter.</summary>
    public static TokenAgreement Agreement(ReadOnlySpan<int> output, ReadOnlySpan<int> reference)
    {
        int compared = Math.Min(output.Length, reference.Length);
        int equal = 0, prefix = -1;
        for (int i = 0; i < compared; i++)
        {
            if (output[i] == reference[i]) equal++;
            else if (prefix < 0) prefix = i;
        }
        return new TokenAgreement(compared, equal, prefix < 0 ? compared : prefix);
    }

    /// <summary>
    /// −Σ ln p(output[i] | prompt, output[..i]) under <paramref name="model"/>, in nats: one prefill of the prompt, then
    /// one pass over the output that writes every row's logits. (<see cref="PerplexityEvaluator"/> scores a corpus in
    /// fixed chunks from half their context on, which does not fit scoring one continuation after its prompt.)
    /// </summary>
    public static double NegativeLogLikelihood(Model model, ReadOnlySpan<int> prompt, ReadOnlySpan<int> output,
        KvCacheFormat? cacheFormat = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (prompt.IsEmpty) throw new ArgumentException("scoring needs a prompt of at least one token", nameof(prompt));
        if (output.IsEmpty) return 0;
        int vocab = model.Config.VocabSize;
        var session = new InferenceSession(model, cacheFormat, prompt.Length + output.Length);
        var logprobs = new RawLogprobs(vocab);
        var first = session.Prefill(prompt, cancellationToken);
        logprobs.Compute(first);
        double nll = -logprobs.Of(first, output[0]);
        if (output.Length > 1)
        {
            var rows = new float[(output.Length - 1) * vocab];
            session.Evaluate(output[..^1], rows, cancellationToken);
            for (int i = 1; i < output.Length; i++)
            {
                var row = rows.AsSpan((i - 1) * vocab, vocab);
                logprobs.Compute(row);
                nll -= logprobs.Of(row, output[i]);
            }
        }
        return nll;
    }

    /// <summary>exp(mean negative log-likelihood) of <paramref name="output"/> after <paramref name="prompt"/>; NaN for an empty output.</summary>
    public static double Perplexity(Model model, ReadOnlySpan<int> prompt, ReadOnlySpan<int> output,
        KvCacheFormat? cacheFormat = null, CancellationToken cancellationToken = default) =>
        output.IsEmpty ? double.NaN : Math.Exp(NegativeLogLikelihood(model, prompt, output, cacheFormat, cancellationToken) / output.Length);

    /// <summary>Runs the decoder to its end and returns its report.</summary>
    public static EntropyAdaptiveReport Run(EntropyAdaptiveDecoder decoder, IReadOnlyList<int> prompt, GenerationOptions generation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        foreach (var _ in decoder.Generate(prompt, generation, cancellationToken)) { }
        return decoder.Report!;
    }

    /// <summary>
    /// The curve: for every prompt, the large-only output (through the same decoder, so the timing carries the same
    /// per-token overhead), then every setting, compared with it. Before any timing, every prompt runs small-only and
    /// large-only <paramref name="timingRuns"/> times, so the JIT's tiering has settled. Each setting's runs alternate
    /// with large-only runs of the same prompt, <paramref name="timingRuns"/> of each, and the fastest of each is kept:
    /// the time ratio compares runs made seconds apart, so other load on the machine weighs on both alike (outputs are
    /// identical across repeats for a fixed seed).
    /// </summary>
    public static IReadOnlyList<EntropyAdaptiveCurvePoint> Curve(SpindleModel small, SpindleModel large,
        IReadOnlyList<IReadOnlyList<int>> prompts, IReadOnlyList<EntropyAdaptiveOptions> settings, GenerationOptions generation,
        int timingRuns = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(timingRuns, 1);
        if (prompts.Count == 0) throw new ArgumentException("a curve needs at least one prompt", nameof(prompts));

        var reference = new EntropyAdaptiveDecoder(small, large, LargeOnly);
        var smallOnly = new EntropyAdaptiveDecoder(small, large, SmallOnly);
        foreach (var prompt in prompts)
        {
            for (int r = 0; r < timingRuns; r++)
            {
                Run(reference, prompt, generation, cancellationToken);
                Run(smallOnly, prompt, generation, cancellationToken);
            }
        }

        var referenceReports = new EntropyAdaptiveReport[prompts.Count];
        double referenceNll = 0;
        int referenceTokens = 0;
        for (int p = 0; p < prompts.Count; p++)
        {
            referenceReports[p] = Run(reference, prompts[p], generation, cancellationToken);
            referenceNll += NegativeLogLikelihood(large.Model, [.. prompts[p]], [.. referenceReports[p].Tokens], large.Options.CacheType, cancellationToken);
            referenceTokens += referenceReports[p].GeneratedTokens;
        }
        double referencePerplexity = Math.Exp(referenceNll / Math.Max(referenceTokens, 1));

        var runs = new List<(EntropyAdaptiveOptions Setting, EntropyAdaptiveReport[] Reports, double Seconds, double ReferenceSeconds)>(settings.Count);
        foreach (var setting in settings)
        {
            var decoder = new EntropyAdaptiveDecoder(small, large, setting);
            var reports = new EntropyAdaptiveReport[prompts.Count];
            double seconds = 0, referenceSeconds = 0;
            for (int p = 0; p < prompts.Count; p++)
            {
                TimeSpan best = TimeSpan.MaxValue, bestReference = TimeSpan.MaxValue;
                for (int r = 0; r < timingRuns; r++)
                {
                    var again = Run(reference, prompts[p], generation, cancellationToken).Elapsed;
                    if (again < bestReference) bestReference = again;
                    reports[p] = Run(decoder, prompts[p], generation, cancellationToken);
                    if (reports[p].Elapsed < best) best = reports[p].Elapsed;
                }
                seconds += best.TotalSeconds;
                referenceSeconds += bestReference.TotalSeconds;
            }
            runs.Add((setting, reports, seconds, referenceSeconds));
        }

        var points = new List<EntropyAdaptiveCurvePoint>(settings.Count);
        foreach (var (setting, reports, seconds, referenceSeconds) in runs)
        {
            int generated = 0, largeTokens = 0, switches = 0, compared = 0, equal = 0;
            double costNumerator = 0, costDenominator = 0, generationCost = 0, nll = 0, prefixes = 0;
            for (int p = 0; p < prompts.Count; p++)
            {
                var report = reports[p];
                generated += report.GeneratedTokens;
                largeTokens += report.LargeTokens;
                switches += report.Switches;
                costNumerator += report.ParameterWeightedCost * report.ReferenceEvaluatedTokens;
                costDenominator += report.ReferenceEvaluatedTokens;
                generationCost += report.GenerationParameterCost * report.GeneratedTokens;
                var agreement = Agreement([.. report.Tokens], [.. referenceReports[p].Tokens]);
                compared += agreement.ComparedTokens;
                equal += agreement.EqualTokens;
                prefixes += agreement.CommonPrefix;
                nll += NegativeLogLikelihood(large.Model, [.. prompts[p]], [.. report.Tokens], large.Options.CacheType, cancellationToken);
            }
            points.Add(new EntropyAdaptiveCurvePoint(setting, generated, generated == 0 ? 0 : (double)largeTokens / generated, switches,
                costDenominator == 0 ? 0 : costNumerator / costDenominator, generated == 0 ? 0 : generationCost / generated,
                referenceSeconds == 0 ? 0 : seconds / referenceSeconds,
                compared == 0 ? 1 : (double)equal / compared, prefixes / prompts.Count,
                Math.Exp(nll / Math.Max(generated, 1)), referencePerplexity));
        }
        return points;
    }

    /// <summary>The curve as a Markdown table, one row per setting.</summary>
    public static string FormatTable(IReadOnlyList<EntropyAdaptiveCurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| τ_up | τ_down | w | H of | large share | switches | param cost (all evaluated) | param cost (generated only) | time vs large | agreement | common prefix | PPL (large) | PPL large-only |");
        text.AppendLine("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in points)
        {
            text.AppendLine(string.Format(culture,
                "| {0} | {1} | {2} | {12} | {3:P1} | {4} | {5:F3} | {6:F3} | {7:F2} | {8:P1} | {9:F1} | {10:F3} | {11:F3} |",
                Tau(p.Options.TauUp), Tau(p.Options.TauDown), p.Options.Window, p.LargeShare, p.Switches, p.ParameterWeightedCost,
                p.GenerationParameterCost, p.TimeRatio, p.Agreement, p.MeanCommonPrefix, p.Perplexity, p.ReferencePerplexity,
                p.Options.EntropySource == EntropySource.SmallModel ? "small" : "active"));
        }
        return text.ToString();

        static string Tau(double tau) => double.IsPositiveInfinity(tau) ? "+∞" : double.IsNegativeInfinity(tau) ? "−∞"
            : tau.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
