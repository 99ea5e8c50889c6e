using Spindle.Caching;

namespace Spindle.Models;

/// <summary>
/// Activations of one forward pass, row-major with one row per batch token. Sized for the largest micro-batch seen so
/// far (never more than <see cref="ModelOptions.MicroBatchSize"/> rows unless a masked batch needs them) and reused:
/// decoding token after token allocates nothing.
/// </summary>
internal sealed class ForwardBuffers
{
    private readonly ModelConfig _c;

    public ForwardBuffers(ModelConfig config)
    {
        _c = config;
        QueryHalf = new Half[config.QueryWidth];
    }

    /// <summary>One token's queries rounded through half precision [QueryWidth].</summary>
    public readonly Half[] QueryHalf;

    public int Capacity { get; private set; }

    /// <summary>Residual stream [n × n_embd].</summary>
    public float[] Residual = [];
    /// <summary>Normalized residual [n × n_embd].</summary>
    public float[] Normed = [];
    /// <summary>Query | key | value per token [n × QkvWidth].</summary>
    public float[] Qkv = [];
    /// <summary>Concatenated head outputs [n × AttentionOutputWidth].</summary>
    public float[] AttentionHeads = [];
    /// <summary>Projection back to the residual width [n × n_embd].</summary>
    public float[] Projection = [];
    /// <summary>Gate | up per token [n × 2 n_ff].</summary>
    public float[] GateUp = [];
    /// <summary>Gated activation [n × n_ff].</summary>
    public float[] Activated = [];
    /// <summary>RoPE (cos, sin) tables per token [n × rope dims].</summary>
    public float[] RopeTables = [];
    /// <summary>Logits of the selected rows [n × n_vocab].</summary>
    public float[] Logits = [];

    /// <summary>Makes room for <paramref name="rows"/> rows of logits; grows separately because a vocabulary-wide row is large.</summary>
    public void EnsureLogitRows(int rows)
    {
        long needed = (long)rows * _c.VocabSize;
        if (Logits.LongLength < needed) Logits = new float[needed];
    }

    /// <summary>Batch indices of the tokens whose logits are wanted, in batch order [≤ n].</summary>
    public int[] OutputTokens = [];
    /// <summary>Per sequence: its cache during a pass.</summary>
    public KvCache[] Caches = [];
    private int[] _sequenceCounts = [];

    public void EnsureSequences(int count)
    {
        if (Caches.Length >= count) return;
        Caches = new KvCache[Math.Max(count, 2 * Caches.Length)];
    }

    /// <summary>A zeroed counter per sequence, for validating a batch.</summary>
    public Span<int> SequenceCounts(int count)
    {
        if (_sequenceCounts.Length < count) _sequenceCounts = new int[Math.Max(count, 2 * _sequenceCounts.Length)];
        var counts = _sequenceCounts.AsSpan(0, count);
        counts.Clear();
        return counts;
    }

    public int QkvWidth => _c.QueryWidth + _c.KeyWidth + _c.ValueWidth;

    /// <summary>Room for <paramref name="tokens"/> rows; growth doubles but stops at <paramref name="limit"/> (the micro-batch size).</summary>
    public void EnsureCapacity(int tokens, int limit)
    {
        if (tokens <= Capacity) return;
        int n = Math.Max(tokens, Math.Min(Capacity * 2, limit));
        Residual = new float[n * _c.EmbeddingLength];
        Normed = new float[n * _c.EmbeddingLength];
        Qkv = new float[n * QkvWidth];
        AttentionHeads = new float[n * _c.AttentionOutputWidth];
        Projection = new float[n * _c.EmbeddingLength];
        GateUp = new float[n * 2 * _c.FeedForwardLength];
        Activated = new float[n * _c.FeedForwardLength];
        RopeTables = new float[n * _c.RopeDimensionCount];
        OutputTokens = new int[n];
        Capacity = n;
    }
}
