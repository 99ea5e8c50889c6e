namespace Spindle.Models;

/// <summary>
/// The input of one <see cref="Model.Forward"/> call (llama.cpp's llama_batch): tokens, each with its position (for
/// RoPE), the sequence it belongs to (an index into the caches passed with the batch) and whether its logits are wanted.
/// A sequence's tokens must appear in order; they are appended to its cache. Without a <see cref="Mask"/>, a token sees
/// its sequence's cached slots and the batch's earlier tokens of its sequence (causal); a mask chooses which earlier
/// batch tokens of its sequence each token sees (a tree of draft candidates, several branches in one pass).
/// Reusable: build it once with the largest size and <see cref="Clear"/> it per pass; adding allocates nothing then.
/// </summary>
public sealed class ForwardBatch
{
    private int[] _tokens;
    private int[] _positions;
    private int[] _sequences;
    private bool[] _outputs;

    public ForwardBatch(int capacity = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _tokens = new int[capacity];
        _positions = new int[capacity];
        _sequences = new int[capacity];
        _outputs = new bool[capacity];
    }

    public int Count { get; private set; }

    /// <summary>Tokens the batch holds before it has to grow.</summary>
    public int Capacity => _tokens.Length;

    /// <summary>Tokens whose logits (and hidden states) the pass writes, one row each, in batch order.</summary>
    public int OutputCount { get; private set; }

    /// <summary>Highest sequence index in the batch plus one: how many caches the pass needs at least.</summary>
    public int SequenceCount { get; private set; }

    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Count);

    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);

    public ReadOnlySpan<int> Sequences => _sequences.AsSpan(0, Count);

    public ReadOnlySpan<bool> Outputs => _outputs.AsSpan(0, Count);

    /// <summary>Which earlier batch tokens each token sees; null for causal order within each sequence.</summary>
    public AttentionMask? Mask { get; set; }

    public void Clear()
    {
        Count = 0;
        OutputCount = 0;
        SequenceCount = 0;
        Mask = null;
    }

    public void Add(int token, int position, int sequence = 0, bool output = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        if (Count == _tokens.Length) Grow();
        _tokens[Count] = token;
        _positions[Count] = position;
        _sequences[Count] = sequence;
        _outputs[Count] = output;
        Count++;
        if (output) OutputCount++;
        if (sequence >= SequenceCount) SequenceCount = sequence + 1;
    }

    /// <summary>Adds <paramref name="tokens"/> of one sequence at consecutive positions from <paramref name="firstPosition"/>.</summary>
    public void AddSequence(ReadOnlySpan<int> tokens, int firstPosition, int sequence = 0, bool outputAll = false, bool outputLast = false)
    {
        for (int i = 0; i < tokens.Length; i++)
            Add(tokens[i], firstPosition + i, sequence, outputAll || (outputLast && i == tokens.Length - 1));
    }

    public void SetOutput(int index, bool output)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        if (_outputs[index] != output) OutputCount += output ? 1 : -1;
        _outputs[index] = output;
    }

    private void Grow()
    {
        int n = _tokens.Length * 2;
        Array.Resize(ref _tokens, n);
        Array.Resize(ref _positions, n);
        Array.Resize(ref _sequences, n);
        Array.Resize(ref _outputs, n);
    }
}
