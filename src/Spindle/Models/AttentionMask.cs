namespace Spindle.Models;

/// <summary>
/// Which cache slots each token of a batch may attend to, for batches that are not a simple causal run (tree attention
/// over draft candidates, several branches in one pass). Slots are cache slots: the batch's own tokens occupy slots
/// [cache.Count, cache.Count + batchSize). Without a mask, token i sees every slot up to its own.
/// Reusable: size it once for the largest batch and context, then <see cref="Reset"/> per batch.
/// </summary>
public sealed class AttentionMask
{
    private readonly bool[] _visible;

    public AttentionMask(int maxBatchSize, int slotCount)
    {
        MaxBatchSize = maxBatchSize;
        SlotCount = slotCount;
        _visible = new bool[(long)maxBatchSize * slotCount];
    }

    public int MaxBatchSize { get; }

    public int SlotCount { get; }

    /// <summary>Hides every slot from every token.</summary>
    public void Reset() => Array.Clear(_visible);

    public void Allow(int batchIndex, int slot, bool visible = true) => _visible[batchIndex * SlotCount + slot] = visible;

    /// <summary>Lets <paramref name="batchIndex"/> see slots [0, <paramref name="endSlot"/>).</summary>
    public void AllowPrefix(int batchIndex, int endSlot) => _visible.AsSpan(batchIndex * SlotCount, endSlot).Fill(true);

    public bool IsVisible(int batchIndex, int slot) => _visible[batchIndex * SlotCount + slot];

    internal ReadOnlySpan<bool> Row(int batchIndex) => _visible.AsSpan(batchIndex * SlotCount, SlotCount);
}
