namespace Spindle.Models.Benchmarking;

/// <summary>
/// What <see cref="ModelBenchmark"/> measures, as llama-bench does: prompt processing of <see cref="PromptTokens"/>
/// tokens in one batch and generation of <see cref="GenerateTokens"/> tokens one at a time, each after
/// <see cref="WarmupRuns"/> unrecorded runs and then <see cref="Repetitions"/> timed ones. A count of 0 skips that test.
/// </summary>
public sealed record ModelBenchmarkOptions
{
    public int PromptTokens { get; init; } = 128;

    public int GenerateTokens { get; init; } = 64;

    public int Repetitions { get; init; } = 5;

    public int WarmupRuns { get; init; } = 1;

    /// <summary>Seeds the random prompt and the first generated token, so runs are comparable.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PromptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(GenerateTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(Repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupRuns);
    }
}
