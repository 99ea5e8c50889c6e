using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Gguf;
using Spindle.Tensors;

namespace Spindle.Models;

/// <summary>
/// A decoder-only transformer loaded from GGUF, weights left in the memory map. <see cref="Forward"/> runs a batch of
/// tokens at given positions against a <see cref="KvCache"/>: a whole prompt as one batch (prefill), one token
/// (decode), k draft tokens to verify, or a tree of candidates with an <see cref="AttentionMask"/>.
/// One forward pass at a time: a model reuses its activation buffers and worker pool across calls.
/// </summary>
public sealed class Model : IDisposable
{
    private readonly GgufFile _file;
    private readonly bool _ownsFile;
    private readonly WorkerPool _pool;
    private readonly MatMulDriver _matMul;
    private readonly AttentionJob _attention;
    private readonly ForwardBuffers _buffers;

    private Model(GgufFile file, bool ownsFile, ModelConfig config, ModelWeights weights, ModelOptions options)
    {
        _file = file;
        _ownsFile = ownsFile;
        Config = config;
        Weights = weights;
        _pool = new WorkerPool(Math.Max(1, options.ThreadCount));
        _matMul = new MatMulDriver(_pool);
        _attention = new AttentionJob(config);
        _buffers = new ForwardBuffers(config);
    }

    public ModelConfig Config { get; }

    public ModelWeights Weights { get; }

    public GgufFile File => _file;

    public int ThreadCount => _pool.ThreadCount;

    public static Model Load(string path, ModelOptions? options = null)
    {
        var file = GgufFile.Open(path);
        try
        {
            return Load(file, options, ownsFile: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Binds a model to an open file; with <paramref name="ownsFile"/> the model disposes it.</summary>
    public static Model Load(GgufFile file, ModelOptions? options = null, bool ownsFile = false)
    {
        // Parse the architecture first so an unsupported one is reported as such, not as a missing tensor.
        ModelArchitectures.Parse(file.Architecture);
        var embedding = file.FindTensor("token_embd.weight") ?? throw new ModelFormatException("missing tensor 'token_embd.weight'");
        if (embedding.Dimensions.Length < 2 || embedding.Dimensions[1] > int.MaxValue)
            throw new ModelFormatException($"tensor 'token_embd.weight' has shape {embedding.ShapeText}, expected [n_embd, n_vocab]");
        var config = ModelConfig.FromMetadata(file.Metadata, (int)embedding.Dimensions[1]);
        var weights = ModelWeights.Bind(file, config);
        return new Model(file, ownsFile, config, weights, options ?? new ModelOptions());
    }

    /// <summary>A cache for one sequence, as long as the training context unless <paramref name="capacity"/> says otherwise.</summary>
    public KvCache CreateCache(KvCacheType type = KvCacheType.F16, int? capacity = null) =>
        new(Config.LayerCount, capacity ?? Config.ContextLength, Config.KeyWidth, Config.ValueWidth, type);

    /// <summary>
    /// Runs <paramref name="tokens"/> (at <paramref name="positions"/>, used for RoPE) through the model, appending their
    /// keys and values to <paramref name="cache"/> at slots [cache.Count, cache.Count + n).
    /// Logits of the selected rows go to <paramref name="logits"/> (rows × n_vocab: n rows for All, 1 for Last);
    /// <paramref name="hiddenStates"/>, when not empty, receives the same rows' final normalized hidden states
    /// (rows × n_embd), the input of the LM head. Without <paramref name="mask"/>, attention is causal in slot order.
    /// </summary>
    public void Forward(
        ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, KvCache cache,
        Span<float> logits, LogitsSelection selection = LogitsSelection.Last,
        Span<float> hiddenStates = default, AttentionMask? mask = null)
    {
        var c = Config;
        int n = tokens.Length;
        if (n == 0) throw new ArgumentException("a forward pass needs at least one token", nameof(tokens));
        if (positions.Length != n) throw new ArgumentException($"{positions.Length} positions for {n} tokens", nameof(positions));
        if (cache.LayerCount != c.LayerCount || cache.KeyWidth != c.KeyWidth || cache.ValueWidth != c.ValueWidth)
            throw new ArgumentException("the cache was made for a different model", nameof(cache));
        int outRows = selection switch { LogitsSelection.All => n, LogitsSelection.Last => 1, _ => 0 };
        if (logits.Length < (long)outRows * c.VocabSize)
            throw new ArgumentException($"logits needs {outRows} × {c.VocabSize} floats, got {logits.Length}", nameof(logits));
        if (!hiddenStates.IsEmpty && hiddenStates.Length < outRows * c.EmbeddingLength)
            throw new ArgumentException($"hiddenStates needs {outRows} × {c.EmbeddingLength} floats, got {hiddenStates.Length}", nameof(hiddenStates));
        if (mask is not null && (mask.MaxBatchSize < n || mask.SlotCount < cache.Count + n))
            throw new ArgumentException("the attention mask is smaller than the batch", nameof(mask));
        cache.EnsureRoom(n);
        int firstSlot = cache.Count;

        var b = _buffers;
        b.EnsureCapacity(n);
        int e = c.EmbeddingLength;
        Embed(tokens, b.Residual);
        int ropeDims = c.RopeDimensionCount;
        for (int t = 0; t < n; t++)
        {
            Rope.BuildTable(positions[t], ropeDims, c.RopeFreqBase, b.RopeTables.AsSpan(t * ropeDims, ropeDims));
            cache.SetPosition(firstSlot + t, positions[t]);
        }

        for (int layer = 0; layer < c.LayerCount; layer++)
        {
            var w = Weights.Layers[layer];
            NormalizeRows(b.Residual, w.AttentionNorm.Values, b.Normed, n);
            ProjectQkv(w, n);
            ApplyRopeAndStore(cache, layer, firstSlot, n);
            _attention.Run(_pool, cache, layer, firstSlot, n, b.Qkv, b.QkvWidth, b.AttentionHeads, c.AttentionOutputWidth, mask);
            _matMul.Multiply(w.AttentionOutput, b.AttentionHeads, c.AttentionOutputWidth, n, b.Projection, 0, e);
            TensorPrimitives.Add(b.Residual.AsSpan(0, n * e), b.Projection.AsSpan(0, n * e), b.Residual.AsSpan(0, n * e));

            NormalizeRows(b.Residual, w.FeedForwardNorm.Values, b.Normed, n);
            FeedForward(w, n);
            TensorPrimitives.Add(b.Residual.AsSpan(0, n * e), b.Projection.AsSpan(0, n * e), b.Residual.AsSpan(0, n * e));
        }
        cache.Commit(n);

        if (outRows == 0) return;
        int firstOut = n - outRows;
        var finalNorm = Weights.OutputNorm.Values;
        for (int r = 0; r < outRows; r++)
            RmsNorm.Apply(b.Residual.AsSpan((firstOut + r) * e, e), finalNorm, c.RmsEpsilon, b.Normed.AsSpan(r * e, e));
        if (!hiddenStates.IsEmpty) b.Normed.AsSpan(0, outRows * e).CopyTo(hiddenStates);
        b.EnsureLogitRows(outRows);
        _matMul.Multiply(Weights.Output, b.Normed, e, outRows, b.Logits, 0, c.VocabSize);
        b.Logits.AsSpan(0, outRows * c.VocabSize).CopyTo(logits);
    }

    private void Embed(ReadOnlySpan<int> tokens, float[] residual)
    {
        int e = Config.EmbeddingLength;
        float scale = Config.EmbeddingScale;
        for (int t = 0; t < tokens.Length; t++)
        {
            int id = tokens[t];
            if ((uint)id >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {id} is outside the vocabulary of {Config.VocabSize}");
            var row = residual.AsSpan(t * e, e);
            // Only the looked-up row is expanded, whatever the embedding's type.
            Weights.TokenEmbedding.DequantizeRow(id, row);
            if (scale != 1.0f) TensorPrimitives.Multiply(row, scale, row);
        }
    }

    private void NormalizeRows(float[] input, ReadOnlySpan<float> weight, float[] output, int n)
    {
        int e = Config.EmbeddingLength;
        for (int t = 0; t < n; t++)
            RmsNorm.Apply(input.AsSpan(t * e, e), weight, Config.RmsEpsilon, output.AsSpan(t * e, e));
    }

    private void ProjectQkv(LayerWeights w, int n)
    {
        var c = Config;
        var b = _buffers;
        int e = c.EmbeddingLength, stride = b.QkvWidth;
        if (w.FusedQkv is not null)
        {
            _matMul.Multiply(w.FusedQkv, b.Normed, e, n, b.Qkv, 0, stride);
        }
        else
        {
            _matMul.Multiply(w.Query!, b.Normed, e, n, b.Qkv, 0, stride);
            _matMul.Multiply(w.Key!, b.Normed, e, n, b.Qkv, c.QueryWidth, stride);
            _matMul.Multiply(w.Value!, b.Normed, e, n, b.Qkv, c.QueryWidth + c.KeyWidth, stride);
        }
        if (w.QueryBias is null && w.KeyBias is null && w.ValueBias is null) return;
        for (int t = 0; t < n; t++)
        {
            var row = b.Qkv.AsSpan(t * stride, stride);
            AddBias(row.Slice(0, c.QueryWidth), w.QueryBias);
            AddBias(row.Slice(c.QueryWidth, c.KeyWidth), w.KeyBias);
            AddBias(row.Slice(c.QueryWidth + c.KeyWidth, c.ValueWidth), w.ValueBias);
        }
    }

    private static void AddBias(Span<float> row, WeightVector? bias)
    {
        if (bias is not null) TensorPrimitives.Add(row, bias.Values, row);
    }

    private void ApplyRopeAndStore(KvCache cache, int layer, int firstSlot, int n)
    {
        var c = Config;
        var b = _buffers;
        int stride = b.QkvWidth, kd = c.KeyHeadDim, ropeDims = c.RopeDimensionCount;
        for (int t = 0; t < n; t++)
        {
            var row = b.Qkv.AsSpan(t * stride, stride);
            var table = b.RopeTables.AsSpan(t * ropeDims, ropeDims);
            for (int h = 0; h < c.HeadCount; h++)
                Rope.Apply(row.Slice(h * kd, kd), table, ropeDims, c.RopeKind);
            var keys = row.Slice(c.QueryWidth, c.KeyWidth);
            for (int h = 0; h < c.KvHeadCount; h++)
                Rope.Apply(keys.Slice(h * kd, kd), table, ropeDims, c.RopeKind);
            cache.Write(layer, firstSlot + t, keys, row.Slice(c.QueryWidth + c.KeyWidth, c.ValueWidth));
        }
    }

    private void FeedForward(LayerWeights w, int n)
    {
        var c = Config;
        var b = _buffers;
        int e = c.EmbeddingLength, ff = c.FeedForwardLength, stride = 2 * ff;
        if (w.Gate is null)
        {
            _matMul.Multiply(w.Up, b.Normed, e, n, b.GateUp, 0, stride);
        }
        else
        {
            _matMul.Multiply(w.Gate, b.Normed, e, n, b.GateUp, 0, stride);
            _matMul.Multiply(w.Up, b.Normed, e, n, b.GateUp, ff, stride);
        }
        for (int t = 0; t < n; t++)
        {
            var gate = b.GateUp.AsSpan(t * stride, ff);
            var up = b.GateUp.AsSpan(t * stride + ff, ff);
            var dst = b.Activated.AsSpan(t * ff, ff);
            if (c.Architecture == ModelArchitecture.Gemma) GatedActivations.GeGluTanh(gate, up, dst);
            else GatedActivations.SwiGlu(gate, up, dst);
        }
        _matMul.Multiply(w.Down, b.Activated, ff, n, b.Projection, 0, e);
    }

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsFile) _file.Dispose();
    }
}
