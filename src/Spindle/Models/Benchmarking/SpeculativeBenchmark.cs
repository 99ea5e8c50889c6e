using Spindle.Decoding.Speculative;
using Spindle.Generation;

namespace Spindle.Models.Benchmarking;

/// <summary>
/// Decode speed with and without speculation on the same prompt, in the same run: after one warm-up of each, the two
/// alternate (plain, speculative, plain, …) so that a noisy machine slows both alike. Each run starts cold (the cache
/// and what the drafter learned are reset), so Token Recycling does not replay a text it has already seen; with warm-up
/// prompts, each speculative run first decodes those (untimed), as a server's drafter has learned from earlier requests
/// when the next one arrives. Under greedy decoding it also checks that both produced the same tokens.
/// </summary>
public static class SpeculativeBenchmark
{
    public static SpeculativeBenchmarkResult Run(SpindleModel model, IReadOnlyList<int> prompt, GenerationOptions plain,
        GenerationOptions speculative, int repetitions, CancellationToken cancellationToken = default) =>
        Run(model, prompt, plain, speculative, repetitions, [], cancellationToken);

    /// <param name="warmupPrompts">Decoded with the speculative options (untimed, drafter kept) after each reset, before each timed speculative run.</param>
    public static SpeculativeBenchmarkResult Run(SpindleModel model, IReadOnlyList<int> prompt, GenerationOptions plain,
        GenerationOptions speculative, int repetitions, IReadOnlyList<IReadOnlyList<int>> warmupPrompts,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(warmupPrompts);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        if (speculative.Speculation is null) throw new ArgumentException("the speculative options have no Speculation", nameof(speculative));
        var plainRates = new List<double>();
        var speculativeRates = new List<double>();
        SpeculationStats? stats = null;
        bool identical = true;
        int generated = 0;
        for (int i = 0; i <= repetitions; i++)
        {
            var (plainIds, plainUsage) = Generate(model, prompt, plain, cancellationToken);
            model.ResetCache();
            foreach (var warmup in warmupPrompts) Generate(model, warmup, speculative, cancellationToken, reset: false);
            var (specIds, specUsage) = Generate(model, prompt, speculative, cancellationToken, reset: false);
            identical &= plainIds.AsSpan().SequenceEqual(specIds);
            if (i == 0) continue; // warm-up
            plainRates.Add(plainUsage.DecodeTokensPerSecond);
            speculativeRates.Add(specUsage.DecodeTokensPerSecond);
            stats = specUsage.Speculation;
            generated = specUsage.GeneratedTokens;
        }
        bool greedy = plain.EffectiveSampling.Temperature <= 0 && plain.EffectiveSampling.Mirostat == 0;
        return new SpeculativeBenchmarkResult(
            new ThroughputSummary(generated, plainRates), new ThroughputSummary(generated, speculativeRates), stats!,
            greedy ? identical : null);
    }

    private static (int[] Ids, GenerationUsage Usage) Generate(SpindleModel model, IReadOnlyList<int> prompt, GenerationOptions options,
        CancellationToken cancellationToken, bool reset = true)
    {
        if (reset) model.ResetCache();
        var ids = new List<int>();
        GenerationUsage? usage = null;
        foreach (var chunk in model.GenerateAsync(prompt, options, cancellationToken).ToBlockingEnumerable(cancellationToken))
        {
            if (chunk.TokenId >= 0) ids.Add(chunk.TokenId);
            usage = chunk.Usage ?? usage;
        }
        return ([.. ids], usage ?? throw new InvalidOperationException("the generation ended without usage"));
    }
}

/// <summary>Plain and speculative decode speed of one benchmark, and what the drafter achieved.</summary>
/// <param name="OutputsIdentical">Greedy runs: whether every speculative run produced the plain run's tokens; null when sampling.</param>
public sealed record SpeculativeBenchmarkResult(ThroughputSummary Plain, ThroughputSummary Speculative, SpeculationStats Stats, bool? OutputsIdentical)
{
    /// <summary>Median speculative tokens/s over median plain tokens/s.</summary>
    public double Speedup => Plain.Median > 0 ? Speculative.Median / Plain.Median : 0;
}
