using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Caching;
using Spindle.Tensors.Ops;
using Spindle.Tensors.Threading;
namespace Spindle.Models;

/// <summary>
/// Grouped-query attention of a batch against the cache of one layer, split over (token, head) pairs across workers.
/// Scores and softmax are in F32; with an F16 cache the probabilities are then rounded to F16, as llama.cpp's
/// non-flash attention does before its probabilities × values product. An F16 cache is widened to F32 once per layer and call (one vectorized pass over the
/// used slots) rather than per head and slot, where the per-call overhead would dominate at small head sizes.
/// Each worker owns its score row, so a pair's result does not depend on which worker ran it.
/// </summary>
internal sealed class AttentionJob : IParallelWork
{
    private readonly ModelConfig _config;
    private readonly float _scale;
    private float[][] _scores = [];
    private float[][] _keysWidened = [];
    private float[][] _valuesWidened = [];
    private float[][] _keys = [];
    private float[][] _values = [];
    private bool[] _halfCache = [];
    private float[][] _partials = [];

    // Per-call inputs, set by Run.
    private int[] _tokenSequence = [];
    private int[] _tokenSlot = [];
    private int[] _sequenceSlotEnd = [];
    private int _tokenCount;
    private float[] _qkv = [];
    private int _qkvStride;
    private float[] _output = [];
    private int _outputStride;
    private AttentionMask? _mask;

    public AttentionJob(ModelConfig config)
    {
        _config = config;
        _scale = 1.0f / MathF.Sqrt(config.KeyHeadDim);
    }

    /// <summary>
    /// Batch token t belongs to sequence <c>tokenSequence[t]</c> (its cache is <c>caches[that]</c>) and has its key and
    /// value already stored at slot <c>tokenSlot[t]</c>; sequence s uses slots [0, sequenceSlotEnd[s]).
    /// Queries are at <c>qkv[t * qkvStride]</c> (head h at h × KeyHeadDim); head outputs go to
    /// <c>output[t * outputStride]</c>. Without a mask a token sees its sequence's slots up to its own; a mask (single
    /// sequence only) decides slot by slot.
    /// </summary>
    public void Run(WorkerPool pool, KvCache[] caches, int cacheCount, int layer,
        int[] tokenSequence, int[] tokenSlot, int[] sequenceSlotEnd, int tokenCount,
        float[] qkv, int qkvStride, float[] output, int outputStride, AttentionMask? mask)
    {
        EnsureScratch(pool.ThreadCount, caches, cacheCount);
        long work = 0;
        for (int i = 0; i < cacheCount; i++)
        {
            var cache = caches[i];
            int slots = sequenceSlotEnd[i];
            _halfCache[i] = cache.Type == KvCacheType.F16;
            if (cache.Type == KvCacheType.F16)
            {
                TensorPrimitives.ConvertToSingle(cache.KeysF16(layer).AsSpan(0, slots * cache.KeyWidth), _keysWidened[i]);
                TensorPrimitives.ConvertToSingle(cache.ValuesF16(layer).AsSpan(0, slots * cache.ValueWidth), _valuesWidened[i]);
                _keys[i] = _keysWidened[i];
                _values[i] = _valuesWidened[i];
            }
            else
            {
                _keys[i] = cache.KeysF32(layer)!;
                _values[i] = cache.ValuesF32(layer)!;
            }
            work += slots;
        }
        _tokenSequence = tokenSequence;
        _tokenSlot = tokenSlot;
        _sequenceSlotEnd = sequenceSlotEnd;
        _tokenCount = tokenCount;
        _qkv = qkv;
        _qkvStride = qkvStride;
        _output = output;
        _outputStride = outputStride;
        _mask = mask;
        _nextPair = 0;
        work *= (long)tokenCount * _config.HeadCount * (_config.KeyHeadDim + _config.ValueHeadDim) / cacheCount;
        if (pool.ThreadCount == 1 || work < (1 << 17)) Execute(0, 1);
        else pool.RunShared(this); // pairs are shared out dynamically, so a late worker may skip the job
        _mask = null;
        Array.Clear(_keys, 0, cacheCount);
        Array.Clear(_values, 0, cacheCount);
    }

    private void EnsureScratch(int workers, KvCache[] caches, int cacheCount)
    {
        if (_keys.Length < cacheCount)
        {
            int n = Math.Max(cacheCount, 2 * _keys.Length);
            Array.Resize(ref _keysWidened, n);
            Array.Resize(ref _valuesWidened, n);
            _keys = new float[n][];
            _values = new float[n][];
            _halfCache = new bool[n];
        }
        int capacity = 0;
        for (int i = 0; i < cacheCount; i++)
        {
            var cache = caches[i];
            capacity = Math.Max(capacity, cache.Capacity);
            if (cache.Type != KvCacheType.F16) continue;
            if (_keysWidened[i] is null || _keysWidened[i].Length < cache.Capacity * cache.KeyWidth)
                _keysWidened[i] = new float[cache.Capacity * cache.KeyWidth];
            if (_valuesWidened[i] is null || _valuesWidened[i].Length < cache.Capacity * cache.ValueWidth)
                _valuesWidened[i] = new float[cache.Capacity * cache.ValueWidth];
        }
        if (_scores.Length >= workers && _scores[0].Length >= capacity) return;
        _scores = new float[workers][];
        _partials = new float[workers][];
        for (int i = 0; i < workers; i++)
        {
            _scores[i] = new float[capacity];
            _partials[i] = new float[HalfValueProduct.Lanes * _config.ValueHeadDim];
        }
    }

    private int _nextPair;

    public void Execute(int workerIndex, int workerCount)
    {
        // Pairs are taken one by one so a worker the OS schedules late does not hold the others at the barrier.
        int pairs = _tokenCount * _config.HeadCount;
        int i;
        while ((i = Interlocked.Increment(ref _nextPair) - 1) < pairs)
            AttendOne(i / _config.HeadCount, i % _config.HeadCount, _scores[workerIndex], workerIndex);
    }

    private void AttendOne(int t, int head, float[] scoreBuffer, int worker)
    {
        var c = _config;
        int kd = c.KeyHeadDim, vd = c.ValueHeadDim;
        int kvHead = head / (c.HeadCount / c.KvHeadCount);
        int sequence = _tokenSequence[t];
        int slotEnd = _mask is null ? _tokenSlot[t] + 1 : _sequenceSlotEnd[sequence];
        var scores = scoreBuffer.AsSpan(0, slotEnd);
        var maskRow = _mask is null ? default : _mask.Row(t);

        ref float q = ref MemoryMarshal.GetArrayDataReference(_qkv);
        q = ref Unsafe.Add(ref q, t * _qkvStride + head * kd);
        ref float keys = ref MemoryMarshal.GetArrayDataReference(_keys[sequence]);
        int kw = _config.KeyWidth, kOffset = kvHead * kd;
        for (int s = 0; s < slotEnd; s++)
        {
            if (_mask is not null && !maskRow[s])
            {
                scores[s] = float.NegativeInfinity;
                continue;
            }
            scores[s] = HeadVectors.Dot(ref q, ref Unsafe.Add(ref keys, s * kw + kOffset), kd) * _scale;
        }
        // ggml's own exp and summation: an ulp here can move a probability across an F16 rounding boundary below.
        GgmlSoftmax.InPlace(scores);
        // llama.cpp (without flash attention) multiplies the probabilities by the cached values in the cache's type:
        // with an F16 cache they are rounded to F16 first. Doing the same cuts the mean KL to its logits ten- to
        // a hundredfold and keeps greedy continuations on its side of near-ties.
        if (_halfCache[sequence]) HalfRounding.RoundInPlace(ref MemoryMarshal.GetReference(scores), scores.Length);

        var output = _output.AsSpan(t * _outputStride + head * vd, vd);
        output.Clear();
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float values = ref MemoryMarshal.GetArrayDataReference(_values[sequence]);
        int vw = _config.ValueWidth, vOffset = kvHead * vd;
        // llama.cpp pads the slots in view, n_kv, to a multiple of 256 (at least 32 in older releases), so its
        // probabilities × values product always takes the tiled path, the same way for a prompt batch as for one
        // decoded token; slots past a token's own are masked and add exact zeros. Always tiling keeps prefill and
        // decode on one summation order.
        if (_halfCache[sequence])
        {
            HalfValueProduct.ComputeTiled(scores, ref Unsafe.Add(ref values, vOffset), vw, vd, _partials[worker], output);
            return;
        }
        for (int s = 0; s < slotEnd; s++)
        {
            float p = scores[s];
            if (p == 0) continue;
            HeadVectors.MultiplyAdd(ref Unsafe.Add(ref values, s * vw + vOffset), p, ref o, vd);
        }
    }
}
