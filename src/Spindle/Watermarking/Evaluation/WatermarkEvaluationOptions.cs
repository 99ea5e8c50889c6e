using Spindle.Sampling;

namespace Spindle.Watermarking.Evaluation;

/// <summary>
/// What <see cref="WatermarkEvaluator"/> measures: <see cref="Texts"/> generations of <see cref="Tokens"/> tokens
/// with <see cref="Watermark"/> and as many without it, text i from prompt i mod |prompts| with seed
/// <see cref="Seed"/> + i in both cases, then detection, attacks, truncations, timing and perplexity.
/// </summary>
public sealed record WatermarkEvaluationOptions
{
    /// <summary>Story openings for a story model, cycled when no prompts are given.</summary>
    public static IReadOnlyList<string> DefaultPrompts { get; } =
    [
        "Once upon a time", "The little dog", "Lily wanted to", "One day, a boy named Tom", "The sun was", "Mom said",
        "They went to the park and", "The cat saw a bird",
    ];

    /// <summary>Temperature 1 over the whole vocabulary (no top-k/p, min-p): the model's own distribution.</summary>
    public static SamplingOptions PureSampling { get; } = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };

    public required WatermarkOptions Watermark { get; init; }

    /// <summary>N: texts with the watermark, and as many without (default 200).</summary>
    public int Texts { get; init; } = 200;

    /// <summary>n: tokens per text (default 200).</summary>
    public int Tokens { get; init; } = 200;

    public IReadOnlyList<string> Prompts { get; init; } = DefaultPrompts;

    /// <summary>Text i is sampled with seed Seed + i, watermarked or not (default 1).</summary>
    public ulong Seed { get; init; } = 1;

    public SamplingOptions Sampling { get; init; } = PureSampling;

    /// <summary>
    /// False (default): the model's end-of-generation tokens are banned, so every text has exactly <see cref="Tokens"/>
    /// tokens and each length row measures that length. True: a text may end early.
    /// </summary>
    public bool AllowEndOfGeneration { get; init; }

    /// <summary>Rates of random token substitution, deletion and insertion (default 10, 20, 30%).</summary>
    public IReadOnlyList<double> AttackRates { get; init; } = [0.1, 0.2, 0.3];

    /// <summary>
    /// Shares of words replaced by random words (the text decoded, edited, re-tokenized; default 0 and 20%: 0 measures
    /// re-tokenization alone).
    /// </summary>
    public IReadOnlyList<double> WordAttackRates { get; init; } = [0, 0.2];

    /// <summary>
    /// Lengths the texts are cut to for the coding-rate and scored-length rows (null, the default: n/4, n/2, 3n/4 and
    /// n, e.g. 50, 100, 150, 200; lengths above n are skipped).
    /// </summary>
    public IReadOnlyList<int>? Lengths { get; init; }

    /// <summary><see cref="Lengths"/> or its default, at most n, ascending and distinct.</summary>
    public IReadOnlyList<int> EffectiveLengths
    {
        get
        {
            var set = new SortedSet<int>();
            foreach (int l in Lengths ?? [Math.Max(1, Tokens / 4), Math.Max(1, Tokens / 2), Math.Max(1, 3 * Tokens / 4), Tokens])
                if (l <= Tokens) set.Add(l);
            return [.. set];
        }
    }

    /// <summary>The false-positive rate the empirical threshold keeps to (default 1%).</summary>
    public double MaxFalsePositiveRate { get; init; } = 0.01;

    /// <summary>The detectors' theoretical threshold (default z = 4) and minimum of scored tokens.</summary>
    public DetectionOptions Detection { get; init; } = DetectionOptions.Default;

    /// <exception cref="ArgumentOutOfRangeException">naming the first property out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Watermark, nameof(Watermark));
        Watermark.Validate();
        if (Texts < 2) throw new ArgumentOutOfRangeException(nameof(Texts), Texts, "must be ≥ 2");
        if (Tokens < 1) throw new ArgumentOutOfRangeException(nameof(Tokens), Tokens, "must be ≥ 1");
        ArgumentNullException.ThrowIfNull(Prompts, nameof(Prompts));
        if (Prompts.Count == 0) throw new ArgumentOutOfRangeException(nameof(Prompts), 0, "needs at least one prompt");
        foreach (string p in Prompts)
            if (string.IsNullOrEmpty(p)) throw new ArgumentOutOfRangeException(nameof(Prompts), p, "a prompt must not be empty");
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        Sampling.Validate();
        CheckRates(AttackRates, nameof(AttackRates));
        CheckRates(WordAttackRates, nameof(WordAttackRates));
        foreach (int l in Lengths ?? [])
            if (l < 1) throw new ArgumentOutOfRangeException(nameof(Lengths), l, "a length must be ≥ 1");
        if (!(MaxFalsePositiveRate >= 0 && MaxFalsePositiveRate < 1))
            throw new ArgumentOutOfRangeException(nameof(MaxFalsePositiveRate), MaxFalsePositiveRate, "must be in [0, 1)");
        ArgumentNullException.ThrowIfNull(Detection, nameof(Detection));
        Detection.Validate();
    }

    private static void CheckRates(IReadOnlyList<double> rates, string name)
    {
        ArgumentNullException.ThrowIfNull(rates, name);
        foreach (double r in rates)
            if (!(r >= 0 && r <= 1)) throw new ArgumentOutOfRangeException(name, r, "a rate must be in [0, 1]");
    }
}
