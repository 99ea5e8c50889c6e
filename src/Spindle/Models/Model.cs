using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Gguf;
using Spindle.Tensors.Diagnostics;
using Spindle.Tensors.Kernels;
using Spindle.Tensors.Ops;
using Spindle.Tensors.Threading;
namespace Spindle.Models;

/// <summary>
/// A decoder-only transformer loaded from GGUF (or a Hugging Face checkpoint presented as GGUF), weights left in the memory map. <see cref="Forward"/> runs one
/// <see cref="ForwardBatch"/> — a prompt (prefill), one token per sequence (decode, continuous batching), k drafts to
/// verify, or a tree of candidates under an <see cref="AttentionMask"/> — against the sequences' <see cref="KvCache"/>s.
/// One forward pass at a time per model: a model reuses its activation buffers; concurrent calls wait for each other.
/// Several models may share one <see cref="WorkerPool"/> (<see cref="ModelOptions.WorkerPool"/>), e.g. a draft and a
/// target, so two models never run more threads than the cores.
/// </summary>
public sealed class Model : IDisposable
{
    private readonly GgufFile _file;
    private readonly bool _ownsFile;
    private readonly bool _ownsPool;
    private readonly WorkerPool _pool;
    private readonly MatMulDriver _matMul;
    private readonly AttentionJob _attention;
    private readonly ForwardBuffers _buffers;
    private readonly ForwardPlan _plan = new();
    private readonly int _microBatchSize;
    private readonly object _forwardGate = new();

    private Model(GgufFile file, bool ownsFile, ModelConfig config, ModelWeights weights, ModelOptions options)
    {
        _file = file;
        _ownsFile = ownsFile;
        Config = config;
        Weights = weights;
        _ownsPool = options.WorkerPool is null;
        _pool = options.WorkerPool ?? new WorkerPool(Math.Max(1, options.ThreadCount));
        _matMul = new MatMulDriver(_pool);
        _attention = new AttentionJob(config);
        _buffers = new ForwardBuffers(config);
        _microBatchSize = options.MicroBatchSize;
        CacheShape = new KvCacheShape(config.LayerCount, config.KvHeadCount, config.KeyHeadDim, config.ValueHeadDim);
    }

    public ModelConfig Config { get; }

    public ModelWeights Weights { get; }

    public GgufFile File => _file;

    public int ThreadCount => _pool.ThreadCount;

    /// <summary>Most tokens one pass through the layers takes (<see cref="ModelOptions.MicroBatchSize"/>).</summary>
    public int MicroBatchSize => _microBatchSize;

    /// <summary>The worker pool the passes run on (shared with other models when <see cref="ModelOptions.WorkerPool"/> was given).</summary>
    public WorkerPool WorkerPool => _pool;

    /// <summary>What one cached token holds: every cache of this model has this shape.</summary>
    public KvCacheShape CacheShape { get; }

    /// <summary>Loads a GGUF file or a Hugging Face checkpoint folder (see <see cref="ModelSource.Open"/>).</summary>
    public static Model Load(string path, ModelOptions? options = null)
    {
        var file = ModelSource.Open(path);
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
        options.Validate();
        var config = ModelConfig.FromMetadata(file.Metadata, (int)embedding.Dimensions[1]);
        var weights = ModelWeights.Bind(file, config);
        return new Model(file, ownsFile, config, weights, options);
    }

    /// <summary>
    /// A contiguous cache for one sequence, as long as the training context unless <paramref name="capacity"/> says
    /// otherwise, in <paramref name="format"/> (F16 keys and values by default, as llama.cpp).
    /// </summary>
    public ContiguousKvCache CreateCache(KvCacheFormat? format = null, int? capacity = null) =>
        new(CacheShape, capacity ?? Config.ContextLength, format ?? KvCacheFormat.F16);

    /// <summary>A pool of <paramref name="maxBlocks"/> blocks for paged sequences of this model (see <see cref="KvBlockPool"/>).</summary>
    public KvBlockPool CreateBlockPool(int maxBlocks, KvCacheFormat? format = null, int blockSlots = KvBlockPool.DefaultBlockSlots) =>
        new(CacheShape, format ?? KvCacheFormat.F16, maxBlocks, blockSlots);

    /// <summary>
    /// Runs <paramref name="batch"/> through the model: token t is appended to <c>caches[batch.Sequences[t]]</c>.
    /// Logits of the tokens flagged as outputs go to <paramref name="logits"/>, one vocabulary-wide row each in batch
    /// order (pass an empty span to skip the LM head, e.g. for embeddings); <paramref name="hiddenStates"/>, when not
    /// empty, receives the same rows' hidden states (the final normalized state, the LM head's input, unless
    /// <see cref="ForwardOptions.HiddenStateLayer"/> picks a layer). A long batch runs in micro-batches
    /// (<see cref="ModelOptions.MicroBatchSize"/>); <paramref name="cancellationToken"/> is checked between them, and a
    /// cancelled pass leaves each cache holding the tokens of the micro-batches that finished.
    /// </summary>
    /// <exception cref="KvCacheFullException">a sequence's context has no room for the batch (checked before anything is
    /// written), or the block pool runs out (checked per micro-batch before it is written: the micro-batches before it
    /// stay cached, as in a cancelled pass).</exception>
    public void Forward(ForwardBatch batch, ReadOnlySpan<KvCache> caches, Span<float> logits, Span<float> hiddenStates = default,
        ForwardOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_forwardGate)
        {
            if (_running) throw new InvalidOperationException("Model.Forward was called again from inside a forward pass");
            _running = true;
            try
            {
                Check(batch, caches, logits, hiddenStates, options);
                RunBatch(batch, caches, logits, hiddenStates, options, cancellationToken);
            }
            finally
            {
                _running = false;
            }
        }
    }

    /// <summary>A batch of one sequence: every token goes to <paramref name="cache"/> (sequence ids must all be 0).</summary>
    public void Forward(ForwardBatch batch, KvCache cache, Span<float> logits, Span<float> hiddenStates = default,
        ForwardOptions options = default, CancellationToken cancellationToken = default) =>
        Forward(batch, new ReadOnlySpan<KvCache>(in cache), logits, hiddenStates, options, cancellationToken);

    private bool _running;

    /// <summary>
    /// Adds <paramref name="delta"/> to the positions of <paramref name="cache"/>'s slots [fromSlot, toSlot) and rotates
    /// their keys accordingly (llama.cpp's K-shift, after llama_kv_self_seq_add): e.g. to drop the start of a long
    /// context and slide the rest down, or to reuse a cached chunk at another position.
    /// </summary>
    public void ShiftPositions(KvCache cache, int fromSlot, int toSlot, int delta)
    {
        ArgumentNullException.ThrowIfNull(cache);
        CheckCache(cache);
        var c = Config;
        var table = new float[c.RopeDimensionCount];
        var freqFactors = Weights.RopeFrequencyFactors is { } f ? f.Values : default;
        Rope.BuildTable(delta, c.RopeDimensionCount, c.RopeFreqBase, table, c.RopeFreqScale, freqFactors);
        lock (_forwardGate)
            cache.ShiftPositions(fromSlot, toSlot, delta, row => Rope.Apply(row, table, c.RopeDimensionCount, c.RopeKind));
    }

    private void Check(ForwardBatch batch, ReadOnlySpan<KvCache> caches, Span<float> logits, Span<float> hiddenStates, ForwardOptions options)
    {
        var c = Config;
        int n = batch.Count;
        if (n == 0) throw new ArgumentException("a forward pass needs at least one token", nameof(batch));
        if (caches.Length < batch.SequenceCount)
            throw new ArgumentException($"the batch names sequence {batch.SequenceCount - 1} but only {caches.Length} caches were given", nameof(caches));
        var sequences = batch.Sequences;
        var used = _buffers.SequenceCounts(batch.SequenceCount);
        for (int t = 0; t < n; t++) used[sequences[t]]++;
        KvCacheFormat? format = null;
        for (int s = 0; s < batch.SequenceCount; s++)
        {
            if (used[s] == 0) continue;
            var cache = caches[s] ?? throw new ArgumentException($"sequence {s} has no cache", nameof(caches));
            CheckCache(cache);
            if (format is { } f && f != cache.Format)
                throw new ArgumentException($"all caches of one pass must have one format ({f} vs {cache.Format})", nameof(caches));
            format = cache.Format;
            for (int j = 0; j < s; j++)
                if (used[j] != 0 && ReferenceEquals(caches[j], cache)) throw new ArgumentException($"sequences {j} and {s} share one cache object", nameof(caches));
            cache.EnsureRoom(used[s]);
        }
        var tokens = batch.Tokens;
        for (int t = 0; t < n; t++)
            if ((uint)tokens[t] >= (uint)c.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(batch), $"token id {tokens[t]} is outside the vocabulary of {c.VocabSize}");
        if (batch.Mask is { } mask && mask.MaxBatchSize < n)
            throw new ArgumentException($"the attention mask holds {mask.MaxBatchSize} tokens, the batch {n}", nameof(batch));
        int outputs = batch.OutputCount;
        if (!logits.IsEmpty && logits.Length < (long)outputs * c.VocabSize)
            throw new ArgumentException($"logits needs {outputs} × {c.VocabSize} floats, got {logits.Length}", nameof(logits));
        if (!hiddenStates.IsEmpty && hiddenStates.Length < (long)outputs * c.EmbeddingLength)
            throw new ArgumentException($"hiddenStates needs {outputs} × {c.EmbeddingLength} floats, got {hiddenStates.Length}", nameof(hiddenStates));
        if (options.ExitAfterLayer is int exit && (exit < 1 || exit > c.LayerCount))
            throw new ArgumentOutOfRangeException(nameof(options), $"ExitAfterLayer {exit} must be within 1..{c.LayerCount}");
        if (options.HiddenStateLayer is int layer && (layer < 0 || layer >= (options.ExitAfterLayer ?? c.LayerCount)))
            throw new ArgumentOutOfRangeException(nameof(options), $"HiddenStateLayer {layer} must be a layer that runs (0..{(options.ExitAfterLayer ?? c.LayerCount) - 1})");
    }

    private void CheckCache(KvCache cache)
    {
        if (cache.Shape != CacheShape)
            throw new ArgumentException("the cache was made for a different model", nameof(cache));
    }

    private void RunBatch(ForwardBatch batch, ReadOnlySpan<KvCache> caches, Span<float> logits, Span<float> hiddenStates,
        ForwardOptions options, CancellationToken cancellationToken)
    {
        var b = _buffers;
        int n = batch.Count, sequenceCount = batch.SequenceCount;
        // Mask rows and columns are numbered by the whole batch, so a masked batch (a small draft tree) runs whole.
        int chunk = batch.Mask is null ? _microBatchSize : n;
        b.EnsureCapacity(Math.Min(n, chunk), chunk);
        b.EnsureSequences(sequenceCount);
        caches.Slice(0, sequenceCount).CopyTo(b.Caches);
        try
        {
            int written = 0;
            var outputs = batch.Outputs;
            for (int start = 0; start < n; start += chunk)
            {
                if (start > 0) cancellationToken.ThrowIfCancellationRequested();
                int m = Math.Min(chunk, n - start), count = 0;
                for (int t = 0; t < m; t++)
                    if (outputs[start + t]) b.OutputTokens[count++] = t;
                _plan.Plan(batch.Sequences.Slice(start, m), b.Caches, sequenceCount, batch.Mask is not null);
                // Every sequence's storage is reserved (a paged cache's blocks allocated and unshared) before anything is written.
                for (int s = 0; s < sequenceCount; s++)
                    if (_plan.SequenceEnd[s] > _plan.SequenceStart[s]) b.Caches[s].Reserve(_plan.SequenceEnd[s] - _plan.SequenceStart[s]);
                Run(batch.Tokens.Slice(start, m), batch.Positions.Slice(start, m), count,
                    logits.IsEmpty ? default : logits.Slice(written * Config.VocabSize),
                    hiddenStates.IsEmpty ? default : hiddenStates.Slice(written * Config.EmbeddingLength),
                    batch.Mask, options);
                written += count;
            }
        }
        finally
        {
            Array.Clear(b.Caches, 0, sequenceCount);
        }
    }

    /// <summary>The pass itself over one micro-batch; the plan already says each token's sequence and slot.</summary>
    private void Run(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int outputCount,
        Span<float> logits, Span<float> hiddenStates, AttentionMask? mask, ForwardOptions options)
    {
        var c = Config;
        var b = _buffers;
        var plan = _plan;
        int n = tokens.Length;
        int e = c.EmbeddingLength;
        Embed(tokens, b.Residual);
        int ropeDims = c.RopeDimensionCount;
        var freqFactors = Weights.RopeFrequencyFactors is { } f ? f.Values : default;
        for (int t = 0; t < n; t++)
        {
            Rope.BuildTable(positions[t], ropeDims, c.RopeFreqBase, b.RopeTables.AsSpan(t * ropeDims, ropeDims),
                c.RopeFreqScale, freqFactors);
            b.Caches[plan.SequenceOfToken[t]].SetPosition(plan.SlotOfToken[t], positions[t]);
        }

        int layers = options.ExitAfterLayer ?? c.LayerCount;
        int hiddenLayer = options.HiddenStateLayer ?? -1;
        for (int layer = 0; layer < layers; layer++)
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
            _attention.Run(_pool, b.Caches, plan, layer, mask, b.Qkv, b.QkvWidth, b.AttentionHeads, c.AttentionOutputWidth);
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
            if (layer == hiddenLayer && !hiddenStates.IsEmpty)
                for (int r = 0; r < outputCount; r++)
                    b.Residual.AsSpan(b.OutputTokens[r] * e, e).CopyTo(hiddenStates.Slice(r * e, e));
        }
        for (int s = 0; s < plan.SequenceCount; s++)
        {
            var cache = b.Caches[s];
            if (cache is not null && plan.SequenceEnd[s] > plan.SequenceStart[s]) cache.Commit(plan.SequenceEnd[s] - plan.SequenceStart[s]);
        }

        if (outputCount == 0) return;
        var finalNorm = Weights.OutputNorm.Values;
        for (int r = 0; r < outputCount; r++)
            RmsNorm.Apply(b.Residual.AsSpan(b.OutputTokens[r] * e, e), finalNorm, c.RmsEpsilon, b.Normed.AsSpan(r * e, e));
        if (!hiddenStates.IsEmpty && hiddenLayer < 0) b.Normed.AsSpan(0, outputCount * e).CopyTo(hiddenStates);
        if (logits.IsEmpty) return;
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
            var cache = b.Caches[_plan.SequenceOfToken[t]];
            if (cache.Format.Keys == KvCacheType.F16)
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
            cache.Write(layer, _plan.SlotOfToken[t], keys, row.Slice(c.QueryWidth + c.KeyWidth, c.ValueWidth));
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
        if (_ownsPool) _pool.Dispose();
        if (_ownsFile) _file.Dispose();
    }
}
