namespace Spindle.Constraints.MaskBench;

public enum MaskBenchStatus
{
    Passing,
    CompileError,
    /// <summary>A valid instance was rejected (a token masked out, or EOS not allowed at its end): the worst bug.</summary>
    ValidationError,
    /// <summary>An invalid instance was accepted to the end.</summary>
    InvalidationError,
}

/// <summary>The result for one schema file; <see cref="Reason"/> says what failed.</summary>
public sealed record MaskBenchOutcome(string Name, MaskBenchStatus Status, bool HasTests, string? Reason, double TtfmMicroseconds)
{
    /// <summary>A validation error that goes away when the instance's keys are put in schema order.</summary>
    public bool PropertyOrderOnly { get; init; }
}
