namespace Spindle.Models.Benchmarking;

/// <summary>
/// What <see cref="ModelBenchmark"/> measures, as llama-bench does: prompt processing of <see cref="PromptTokens"/>
/// tokens in one batch and generation of <see cref="GenerateTokens"/> tokens one at a time, each after
/// <see cref="WarmupRuns"/> unrecorded runs (and more until the JIT has settled) and then <see cref="Repetitions"/> timed ones. A count of 0 skips that test.
/// </summary>
public sealed record ModelBenchmarkOptions
{
    public int PromptTokens { get; init; } = 128;

    public int GenerateTokens { get; init; } = 64;

    /// <summary>Tokens already in each sequence's cache before a test starts (llama-bench's <c>-d</c>); filled untimed.</summary>
    public int Depth { get; init; }

    /// <summary>
    /// Sequences decoding together in the generation test (llama-batched-bench's <c>-npl</c>): each step is one forward
    /// pass with one token of each sequence, and throughput counts every sequence's tokens.
    /// </summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Key and value types of the caches (llama-bench's <c>-ctk/-ctv</c>).</summary>
    public Caching.KvCacheFormat CacheFormat { get; init; } = Caching.KvCacheFormat.F16;

    public int Repetitions { get; init; } = 5;

    public int WarmupRuns { get; init; } = 1;

    /// <summary>
    /// After <see cref="WarmupRuns"/>, warm-up goes on until no method has been JIT-compiled for
    /// <see cref="JitQuietTime"/>, or until <see cref="MaximumWarmupTime"/> has passed (zero: exactly the warm-up runs,
    /// as llama-bench). Unlike llama.cpp's compiled code, .NET first runs methods unoptimized and swaps in optimized code
    /// in the background after ~30 calls and a quiet 100 ms; on a loaded machine that took over a second, and timing
    /// before it measured a small model 4–10× too slow.
    /// </summary>
    public TimeSpan MaximumWarmupTime { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan JitQuietTime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Seeds the random prompt and the first generated token, so runs are comparable.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PromptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(GenerateTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(Repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Depth);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallel, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupRuns);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumWarmupTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(JitQuietTime, TimeSpan.Zero);
    }
}
