namespace Spindle.Models.Synthetic;

/// <summary>How <see cref="ModelGrower"/> widens a model's feed-forward blocks.</summary>
public sealed record GrowOptions
{
    /// <summary>The new FFN width (llama.cpp's n_ff): at least the model's own.</summary>
    public required int FeedForwardLength { get; init; }

    /// <summary>
    /// How far the grown model strays from the original: the appended ffn_down columns have ε·√(n_ff / (N − n_ff)) times
    /// the spread of the original ffn_down values, so the extra units together perturb each layer's output by about ε
    /// times the original FFN's scale for any N. 0 makes the grown model compute what the original does (up to float
    /// rounding).
    /// </summary>
    public required float Epsilon { get; init; }

    /// <summary>Seed of the appended values: same seed, same file, for any thread count.</summary>
    public ulong Seed { get; init; }

    /// <summary>Worker threads that produce rows.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the property for a value no model accepts.</summary>
    public void Validate()
    {
        if (FeedForwardLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(FeedForwardLength), FeedForwardLength, "the FFN width must be positive");
        if (!float.IsFinite(Epsilon) || Epsilon < 0)
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "epsilon must be a finite number ≥ 0");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "at least one thread");
    }
}
