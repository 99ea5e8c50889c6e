namespace Spindle.Models;

/// <summary>
/// Which earlier tokens of its own batch each token may attend to, beside its sequence's cached slots, which it always
/// sees: a tree mask for verifying draft trees or evaluating several candidate continuations in one pass. Token i
/// always sees itself; <see cref="Allow"/> adds earlier tokens of the same sequence (a token of another sequence is
/// never visible, whatever the mask says). Reusable: size it for the largest batch, then <see cref="Reset"/> per batch.
/// </summary>
public sealed class AttentionMask
{
    private readonly bool[] _visible;

    public AttentionMask(int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        MaxBatchSize = maxBatchSize;
        _visible = new bool[(long)maxBatchSize * maxBatchSize];
    }

    public int MaxBatchSize { get; }

    /// <summary>Hides every other batch token from every token.</summary>
    public void Reset() => Array.Clear(_visible);

    /// <summary>Lets batch token <paramref name="token"/> see the earlier batch token <paramref name="visible"/>.</summary>
    public void Allow(int token, int visible, bool allow = true)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)token, (uint)MaxBatchSize, nameof(token));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)visible, (uint)token, nameof(visible));
        _visible[token * MaxBatchSize + visible] = allow;
    }

    /// <summary>Lets <paramref name="token"/> see every earlier batch token from <paramref name="first"/> on (a chain).</summary>
    public void AllowRange(int token, int first, int end)
    {
        for (int j = first; j < end; j++) Allow(token, j);
    }

    public bool IsVisible(int token, int visible) => visible == token || _visible[token * MaxBatchSize + visible];

}
