using Spindle.Caching;

namespace Spindle.Models;

/// <summary>
/// Where each token of one micro-batch goes: its sequence, the cache slot it is written to, and per sequence the slots
/// visible before the micro-batch (the cached prefix) and after it. Built once per micro-batch, read by the layers and
/// the attention; reused, so planning allocates nothing once sized.
/// </summary>
internal sealed class ForwardPlan
{
    public int TokenCount;
    public int SequenceCount;
    public int[] SequenceOfToken = [];
    public int[] SlotOfToken = [];
    /// <summary>Per sequence: its cache's count before this micro-batch, and the end of its slots after it.</summary>
    public int[] SequenceStart = [];
    public int[] SequenceEnd = [];
    /// <summary>Per sequence: where its tokens' batch indices start in <see cref="_batchIndex"/>.</summary>
    private int[] _firstIndex = [];
    private int[] _batchIndex = [];
    /// <summary>Largest slot end of any sequence: the longest score row a token needs.</summary>
    public int MaxSlotEnd;
    /// <summary>Σ over tokens of the slots each one reads: the attention's work.</summary>
    public long VisibleSlotSum;

    public void Plan(ReadOnlySpan<int> sequences, KvCache[] caches, int sequenceCount, bool masked)
    {
        int n = sequences.Length;
        Ensure(n, sequenceCount);
        TokenCount = n;
        SequenceCount = sequenceCount;
        for (int s = 0; s < sequenceCount; s++)
        {
            int count = caches[s]?.Count ?? 0;
            SequenceStart[s] = count;
            SequenceEnd[s] = count;
        }
        for (int t = 0; t < n; t++)
        {
            int s = sequences[t];
            SequenceOfToken[t] = s;
            SlotOfToken[t] = SequenceEnd[s]++;
        }
        // Batch indices by sequence, in slot order, for the mask's slot → token lookup.
        int offset = 0;
        MaxSlotEnd = 0;
        for (int s = 0; s < sequenceCount; s++)
        {
            _firstIndex[s] = offset;
            offset += SequenceEnd[s] - SequenceStart[s];
            MaxSlotEnd = Math.Max(MaxSlotEnd, SequenceEnd[s]);
        }
        VisibleSlotSum = 0;
        for (int t = 0; t < n; t++)
        {
            int s = SequenceOfToken[t];
            _batchIndex[_firstIndex[s] + SlotOfToken[t] - SequenceStart[s]] = t;
            VisibleSlotSum += masked ? SequenceEnd[s] : SlotOfToken[t] + 1;
        }
    }

    /// <summary>The batch index of the token this micro-batch writes at <paramref name="slot"/> of <paramref name="sequence"/>.</summary>
    public int BatchIndexOfSlot(int sequence, int slot) => _batchIndex[_firstIndex[sequence] + slot - SequenceStart[sequence]];

    private void Ensure(int tokens, int sequences)
    {
        if (SequenceOfToken.Length < tokens)
        {
            int n = Math.Max(tokens, 2 * SequenceOfToken.Length);
            SequenceOfToken = new int[n];
            SlotOfToken = new int[n];
            _batchIndex = new int[n];
        }
        if (SequenceStart.Length < sequences)
        {
            int n = Math.Max(sequences, 2 * SequenceStart.Length);
            SequenceStart = new int[n];
            SequenceEnd = new int[n];
            _firstIndex = new int[n];
        }
    }
}
