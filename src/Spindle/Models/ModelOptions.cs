namespace Spindle.Models;

/// <summary>How a model is loaded and run.</summary>
public sealed record ModelOptions
{
    /// <summary>Worker threads for matrix products and attention (the caller counts as one). Default: all cores.</summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;
}
