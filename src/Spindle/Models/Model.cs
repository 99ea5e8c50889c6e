using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Gguf;
using Spindle.Tensors.Diagnostics;
using Spindle.Tensors.Kernels;
using Spindle.Tensors.Ops;
using Spindle.Tensors.Threading;
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
    private readonly int _microBatchSize;

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
        _microBatchSize = options.MicroBatchSize;
    }

    public ModelConfig Config { get; }

    public ModelWeights Weights { get; }

    public GgufFile File => _file;

    public int ThreadCount => _pool.ThreadCount;

    /// <summary>Most tokens one pass through the layers takes (<see cref="ModelOptions.MicroBatchSize"/>).</summary>
    public int MicroBatchSize => _microBatchSize;

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
        options ??= new ModelOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MicroBatchSize, 1, "options.MicroBatchSize");
        var config = ModelConfig.FromMetadata(file.Metadata, (int)embedding.Dimensions[1]);
        var weights = ModelWeights.Bind(file, config);
        return new Model(file, ownsFile, config, weights, options);
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
        int n = tokens.Length;
        if (n == 0) throw new ArgumentException("a forward pass needs at least one token", nameof(tokens));
        if (mask is not null && (mask.MaxBatchSize < n || mask.SlotCount < cache.Count + n))
            throw new ArgumentException("the attention mask is smaller than the batch", nameof(mask));
        CheckCache(cache);
        int outputCount = selection switch { LogitsSelection.All => n, LogitsSelection.Last => 1, _ => 0 };
        CheckBatch(n, positions, outputCount, logits, hiddenStates);
        cache.EnsureRoom(n);
        // Mask rows and columns are numbered by the whole batch, so a masked batch (a small draft tree) runs whole.
        int chunk = mask is null ? _microBatchSize : n;
        var b = _buffers;
        b.EnsureCapacity(Math.Min(n, chunk), chunk);
        b.EnsureSequences(1);
        b.Caches[0] = cache;
        try
        {
            int firstOutput = n - outputCount, written = 0;
            for (int start = 0; start < n; start += chunk)
            {
                int m = Math.Min(chunk, n - start), count = 0;
                b.TokenSequence.AsSpan(0, m).Clear();
                for (int t = Math.Max(start, firstOutput); t < start + m; t++) b.OutputTokens[count++] = t - start;
                Run(tokens.Slice(start, m), positions.Slice(start, m), 1, count,
                    logits.Slice(written * Config.VocabSize), OutputRows(hiddenStates, written), mask);
                written += count;
            }
        }
        finally
        {
            b.Caches[0] = null!;
        }
    }

    /// <summary>
    /// One forward pass over several sequences (continuous batching): token t belongs to sequence
    /// <c>sequenceIds[t]</c>, whose cache is <c>caches[sequenceIds[t]]</c>; a sequence's tokens must appear in order and
    /// are appended to its cache. Each token attends causally to its own sequence only. Logits (and hidden states) are
    /// written for the tokens with <c>outputs[t]</c> set, one row each, in batch order.
    /// </summary>
    public void Forward(
        ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> sequenceIds, ReadOnlySpan<KvCache> caches,
        ReadOnlySpan<bool> outputs, Span<float> logits, Span<float> hiddenStates = default)
    {
        int n = tokens.Length;
        if (n == 0) throw new ArgumentException("a forward pass needs at least one token", nameof(tokens));
        if (sequenceIds.Length != n || outputs.Length != n)
            throw new ArgumentException($"{tokens.Length} tokens need as many sequence ids ({sequenceIds.Length}) and output flags ({outputs.Length})");
        if (caches.IsEmpty) throw new ArgumentException("no caches", nameof(caches));
        for (int i = 0; i < caches.Length; i++)
        {
            CheckCache(caches[i]);
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(caches[i], caches[j])) throw new ArgumentException($"caches {j} and {i} are the same object", nameof(caches));
        }
        var b = _buffers;
        b.EnsureSequences(caches.Length);
        int outputCount = 0;
        for (int t = 0; t < n; t++)
        {
            if ((uint)sequenceIds[t] >= (uint)caches.Length)
                throw new ArgumentOutOfRangeException(nameof(sequenceIds), $"sequence id {sequenceIds[t]} has no cache (there are {caches.Length})");
            if (outputs[t]) outputCount++;
        }
        CheckBatch(n, positions, outputCount, logits, hiddenStates);
        // Every cache must have room for its share of the whole batch before the first micro-batch is written.
        for (int s = 0; s < caches.Length; s++) b.SequenceSlotEnd[s] = caches[s].Count;
        for (int t = 0; t < n; t++) b.SequenceSlotEnd[sequenceIds[t]]++;
        for (int s = 0; s < caches.Length; s++) caches[s].EnsureRoom(b.SequenceSlotEnd[s] - caches[s].Count);
        int chunk = _microBatchSize;
        b.EnsureCapacity(Math.Min(n, chunk), chunk);
        caches.CopyTo(b.Caches);
        try
        {
            int written = 0;
            for (int start = 0; start < n; start += chunk)
            {
                int m = Math.Min(chunk, n - start), count = 0;
                for (int t = 0; t < m; t++)
                {
                    b.TokenSequence[t] = sequenceIds[start + t];
                    if (outputs[start + t]) b.OutputTokens[count++] = t;
                }
                Run(tokens.Slice(start, m), positions.Slice(start, m), caches.Length, count,
                    logits.Slice(written * Config.VocabSize), OutputRows(hiddenStates, written), mask: null);
                written += count;
            }
        }
        finally
        {
            Array.Clear(b.Caches, 0, caches.Length);
        }
    }

    private void CheckBatch(int n, ReadOnlySpan<int> positions, int outputCount, Span<float> logits, Span<float> hiddenStates)
    {
        var c = Config;
        if (positions.Length != n) throw new ArgumentException($"{positions.Length} positions for {n} tokens", nameof(positions));
        if (logits.Length < (long)outputCount * c.VocabSize)
            throw new ArgumentException($"logits needs {outputCount} × {c.VocabSize} floats, got {logits.Length}", nameof(logits));
        if (!hiddenStates.IsEmpty && hiddenStates.Length < (long)outputCount * c.EmbeddingLength)
            throw new ArgumentException($"hiddenStates needs {outputCount} × {c.EmbeddingLength} floats, got {hiddenStates.Length}", nameof(hiddenStates));
    }

    /// <summary>Where a micro-batch's hidden-state rows go, after the <paramref name="written"/> rows of earlier ones.</summary>
    private Span<float> OutputRows(Span<float> hiddenStates, int written) =>
        hiddenStates.IsEmpty ? default : hiddenStates.Slice(written * Config.EmbeddingLength);

    private void CheckCache(KvCache cache)
    {
        if (cache.LayerCount != Config.LayerCount || cache.KeyWidth != Config.KeyWidth || cache.ValueWidth != Config.ValueWidth)
            throw new ArgumentException("the cache was made for a different model", nameof(cache));
    }

    /// <summary>The pass itself; the buffers already hold each token's sequence, the caches and the output rows.</summary>
    private void Run(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int sequenceCount, int outputCount,
        Span<float> logits, Span<float> hiddenStates, AttentionMask? mask)
    {
        var c = Config;
        var b = _buffers;
        int n = tokens.Length;
        if (positions.Length != n) throw new ArgumentException($"{positions.Length} positions for {n} tokens", nameof(positions));
        if (logits.Length < (long)outputCount * c.VocabSize)
            throw new ArgumentException($"logits needs {outputCount} × {c.VocabSize} floats, got {logits.Length}", nameof(logits));
        if (!hiddenStates.IsEmpty && hiddenStates.Length < outputCount * c.EmbeddingLength)
            throw new ArgumentException($"hiddenStates needs {outputCount} × {c.EmbeddingLength} floats, got {hiddenStates.Length}", nameof(hiddenStates));

        // Assign slots in batch order, then check every cache has room before anything is written.
        for (int s = 0; s < sequenceCount; s++) b.SequenceSlotEnd[s] = b.Caches[s].Count;
        for (int t = 0; t < n; t++) b.TokenSlot[t] = b.SequenceSlotEnd[b.TokenSequence[t]]++;
        for (int s = 0; s < sequenceCount; s++) b.Caches[s].EnsureRoom(b.SequenceSlotEnd[s] - b.Caches[s].Count);

        int e = c.EmbeddingLength;
        Embed(tokens, b.Residual);
        int ropeDims = c.RopeDimensionCount;
        var freqFactors = Weights.RopeFrequencyFactors is { } f ? f.Values : default;
        for (int t = 0; t < n; t++)
        {
            Rope.BuildTable(positions[t], ropeDims, c.RopeFreqBase, b.RopeTables.AsSpan(t * ropeDims, ropeDims),
                c.RopeFreqScale, freqFactors);
            b.Caches[b.TokenSequence[t]].SetPosition(b.TokenSlot[t], positions[t]);
        }

        for (int layer = 0; layer < c.LayerCount; layer++)
        {
            var w = Weights.Layers[layer];
            long t0 = ForwardProfile.Start();
            NormalizeRows(b.Residual, w.AttentionNorm.Values, b.Normed, n);
            ForwardProfile.Stop(ForwardPhase.Norm, t0);
            t0 = ForwardProfile.Start();
            ProjectQkv(w, n);
            ForwardProfile.Stop(ForwardPhase.MatMulQkv, t0);
            t0 = ForwardProfile.Start();
            ApplyRopeAndStore(layer, n);
            ForwardProfile.Stop(ForwardPhase.RopeAndStore, t0);
            t0 = ForwardProfile.Start();
            _attention.Run(_pool, b.Caches, sequenceCount, layer, b.TokenSequence, b.TokenSlot, b.SequenceSlotEnd, n,
                b.Qkv, b.QkvWidth, b.AttentionHeads, c.AttentionOutputWidth, mask);
            ForwardProfile.Stop(ForwardPhase.Attention, t0);
            t0 = ForwardProfile.Start();
            _matMul.Multiply(w.AttentionOutput, b.AttentionHeads, c.AttentionOutputWidth, n, b.Projection, 0, e);
            ForwardProfile.Stop(ForwardPhase.MatMulAttentionOutput, t0);
            t0 = ForwardProfile.Start();
            TensorPrimitives.Add(b.Residual.AsSpan(0, n * e), b.Projection.AsSpan(0, n * e), b.Residual.AsSpan(0, n * e));
            ForwardProfile.Stop(ForwardPhase.Residual, t0);

            t0 = ForwardProfile.Start();
            NormalizeRows(b.Residual, w.FeedForwardNorm.Values, b.Normed, n);
            ForwardProfile.Stop(ForwardPhase.Norm, t0);
            FeedForward(w, n);
            t0 = ForwardProfile.Start();
            TensorPrimitives.Add(b.Residual.AsSpan(0, n * e), b.Projection.AsSpan(0, n * e), b.Residual.AsSpan(0, n * e));
            ForwardProfile.Stop(ForwardPhase.Residual, t0);
        }
        for (int s = 0; s < sequenceCount; s++) b.Caches[s].Commit(b.SequenceSlotEnd[s] - b.Caches[s].Count);

        if (outputCount == 0) return;
        var finalNorm = Weights.OutputNorm.Values;
        for (int r = 0; r < outputCount; r++)
            RmsNorm.Apply(b.Residual.AsSpan(b.OutputTokens[r] * e, e), finalNorm, c.RmsEpsilon, b.Normed.AsSpan(r * e, e));
        if (!hiddenStates.IsEmpty) b.Normed.AsSpan(0, outputCount * e).CopyTo(hiddenStates);
        b.EnsureLogitRows(outputCount);
        long tHead = ForwardProfile.Start();
        _matMul.Multiply(Weights.Output, b.Normed, e, outputCount, b.Logits, 0, c.VocabSize);
        ForwardProfile.Stop(ForwardPhase.OutputHead, tHead);
        b.Logits.AsSpan(0, outputCount * c.VocabSize).CopyTo(logits);
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
            _matMul.Multiply(w.Query!, w.Key!, w.Value!, b.Normed, e, n, b.Qkv, 0, c.QueryWidth, c.QueryWidth + c.KeyWidth, stride);
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

    private void ApplyRopeAndStore(int layer, int n)
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
            var cache = b.Caches[b.TokenSequence[t]];
            if (cache.Type == KvCacheType.F16)
            {
                // llama.cpp converts queries to the cache's type before the Q·K products; doing the same halves the
                // distance to its logits.
                var query = row.Slice(0, c.QueryWidth);
                TensorPrimitives.ConvertToHalf(query, b.QueryHalf);
                TensorPrimitives.ConvertToSingle(b.QueryHalf.AsSpan(0, c.QueryWidth), query);
            }
            var keys = row.Slice(c.QueryWidth, c.KeyWidth);
            for (int h = 0; h < c.KvHeadCount; h++)
                Rope.Apply(keys.Slice(h * kd, kd), table, ropeDims, c.RopeKind);
            cache.Write(layer, b.TokenSlot[t], keys, row.Slice(c.QueryWidth + c.KeyWidth, c.ValueWidth));
        }
    }

    private void FeedForward(LayerWeights w, int n)
    {
        var c = Config;
        var b = _buffers;
        int e = c.EmbeddingLength, ff = c.FeedForwardLength, stride = 2 * ff;
        long t0 = ForwardProfile.Start();
        if (w.Gate is null)
        {
            _matMul.Multiply(w.Up, b.Normed, e, n, b.GateUp, 0, stride);
        }
        else
        {
            _matMul.Multiply(w.Gate, w.Up, null, b.Normed, e, n, b.GateUp, 0, ff, 0, stride);
        }
        ForwardProfile.Stop(ForwardPhase.MatMulGateUp, t0);
        t0 = ForwardProfile.Start();
        for (int t = 0; t < n; t++)
        {
            var gate = b.GateUp.AsSpan(t * stride, ff);
            var up = b.GateUp.AsSpan(t * stride + ff, ff);
            var dst = b.Activated.AsSpan(t * ff, ff);
            if (c.Architecture == ModelArchitecture.Gemma) GatedActivations.GeGluTanhHalfTable(gate, up, dst);
            else GatedActivations.SwiGlu(gate, up, dst);
        }
        ForwardProfile.Stop(ForwardPhase.GatedActivation, t0);
        t0 = ForwardProfile.Start();
        _matMul.Multiply(w.Down, b.Activated, ff, n, b.Projection, 0, e);
        ForwardProfile.Stop(ForwardPhase.MatMulDown, t0);
    }

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsFile) _file.Dispose();
    }
}
