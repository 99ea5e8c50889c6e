using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Caching;
using Spindle.Tensors;

namespace Spindle.Models;

/// <summary>
/// Grouped-query attention of a batch against the cache of one layer, split over (token, head) pairs across workers.
/// Scores and softmax are in F32. An F16 cache is widened to F32 once per layer and call (one vectorized pass over the
/// used slots) rather than per head and slot, where the per-call overhead would dominate at small head sizes.
/// Each worker owns its score row, so a pair's result does not depend on which worker ran it.
/// </summary>
internal sealed class AttentionJob : IParallelWork
{
    private readonly ModelConfig _config;
    private readonly float _scale;
    private float[][] _scores = [];
    private float[] _keysWidened = [];
    private float[] _valuesWidened = [];

    // Per-call inputs, set by Run.
    private float[] _keys = [];
    private float[] _values = [];
    private int _keyWidth;
    private int _valueWidth;
    private int _firstSlot;
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
    /// Queries are at <c>qkv[t * qkvStride]</c> (head h at h × KeyHeadDim); the batch's keys and values are already in
    /// the cache at slots [firstSlot, firstSlot + tokenCount). Writes head outputs to <c>output[t * outputStride]</c>.
    /// </summary>
    public void Run(WorkerPool pool, KvCache cache, int layer, int firstSlot, int tokenCount,
        float[] qkv, int qkvStride, float[] output, int outputStride, AttentionMask? mask)
    {
        EnsureScratch(pool.ThreadCount, cache);
        int slots = firstSlot + tokenCount;
        _keyWidth = cache.KeyWidth;
        _valueWidth = cache.ValueWidth;
        if (cache.Type == KvCacheType.F16)
        {
            TensorPrimitives.ConvertToSingle(cache.KeysF16(layer).AsSpan(0, slots * _keyWidth), _keysWidened);
            TensorPrimitives.ConvertToSingle(cache.ValuesF16(layer).AsSpan(0, slots * _valueWidth), _valuesWidened);
            _keys = _keysWidened;
            _values = _valuesWidened;
        }
        else
        {
            _keys = cache.KeysF32(layer)!;
            _values = cache.ValuesF32(layer)!;
        }
        _firstSlot = firstSlot;
        _tokenCount = tokenCount;
        _qkv = qkv;
        _qkvStride = qkvStride;
        _output = output;
        _outputStride = outputStride;
        _mask = mask;
        long work = (long)tokenCount * _config.HeadCount * slots * (_config.KeyHeadDim + _config.ValueHeadDim);
        if (pool.ThreadCount == 1 || work < (1 << 17)) Execute(0, 1);
        else pool.Run(this);
        _mask = null;
    }

    private void EnsureScratch(int workers, KvCache cache)
    {
        if (cache.Type == KvCacheType.F16 && _keysWidened.Length < cache.Capacity * cache.KeyWidth)
        {
            _keysWidened = new float[cache.Capacity * cache.KeyWidth];
            _valuesWidened = new float[cache.Capacity * cache.ValueWidth];
        }
        if (_scores.Length >= workers && _scores[0].Length >= cache.Capacity) return;
        _scores = new float[workers][];
        for (int i = 0; i < workers; i++) _scores[i] = new float[cache.Capacity];
    }

    public void Execute(int workerIndex, int workerCount)
    {
        int pairs = _tokenCount * _config.HeadCount;
        int begin = (int)((long)pairs * workerIndex / workerCount);
        int end = (int)((long)pairs * (workerIndex + 1) / workerCount);
        for (int i = begin; i < end; i++)
            AttendOne(i / _config.HeadCount, i % _config.HeadCount, _scores[workerIndex]);
    }

    private void AttendOne(int t, int head, float[] scoreBuffer)
    {
        var c = _config;
        int kd = c.KeyHeadDim, vd = c.ValueHeadDim;
        int kvHead = head / (c.HeadCount / c.KvHeadCount);
        int slotEnd = _mask is null ? _firstSlot + t + 1 : _firstSlot + _tokenCount;
        var scores = scoreBuffer.AsSpan(0, slotEnd);
        var maskRow = _mask is null ? default : _mask.Row(t);

        ref float q = ref MemoryMarshal.GetArrayDataReference(_qkv);
        q = ref Unsafe.Add(ref q, t * _qkvStride + head * kd);
        ref float keys = ref MemoryMarshal.GetArrayDataReference(_keys);
        int kw = _keyWidth, kOffset = kvHead * kd;
        for (int s = 0; s < slotEnd; s++)
        {
            if (_mask is not null && !maskRow[s])
            {
                scores[s] = float.NegativeInfinity;
                continue;
            }
            scores[s] = HeadVectors.Dot(ref q, ref Unsafe.Add(ref keys, s * kw + kOffset), kd) * _scale;
        }
        Softmax.InPlace(scores);

        var output = _output.AsSpan(t * _outputStride + head * vd, vd);
        output.Clear();
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float values = ref MemoryMarshal.GetArrayDataReference(_values);
        int vw = _valueWidth, vOffset = kvHead * vd;
        for (int s = 0; s < slotEnd; s++)
        {
            float p = scores[s];
            if (p == 0) continue;
            HeadVectors.MultiplyAdd(ref Unsafe.Add(ref values, s * vw + vOffset), p, ref o, vd);
        }
    }
}
