using System.Numerics.Tensors;
using Spindle.Caching;
using Spindle.Tensors;

namespace Spindle.Models;

/// <summary>
/// Grouped-query attention of a batch against the cache of one layer, split over (token, head) pairs across workers.
/// Scores and softmax are in F32; F16 cache rows are widened to F32 one head row at a time.
/// Each worker owns its score and row scratch, so a pair's result does not depend on which worker ran it.
/// </summary>
internal sealed class AttentionJob : IParallelWork
{
    private readonly ModelConfig _config;
    private readonly float _scale;
    private float[][] _scores = [];
    private float[][] _rows = [];

    // Per-call inputs, set by Run.
    private KvCache? _cache;
    private int _layer;
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
        EnsureScratch(pool.ThreadCount, cache.Capacity);
        _cache = cache;
        _layer = layer;
        _firstSlot = firstSlot;
        _tokenCount = tokenCount;
        _qkv = qkv;
        _qkvStride = qkvStride;
        _output = output;
        _outputStride = outputStride;
        _mask = mask;
        long work = (long)tokenCount * _config.HeadCount * (firstSlot + tokenCount) * _config.KeyHeadDim;
        if (pool.ThreadCount == 1 || work < (1 << 14)) Execute(0, 1);
        else pool.Run(this);
        _cache = null;
        _mask = null;
    }

    private void EnsureScratch(int workers, int capacity)
    {
        if (_scores.Length >= workers && _scores[0].Length >= capacity) return;
        _scores = new float[workers][];
        _rows = new float[workers][];
        for (int i = 0; i < workers; i++)
        {
            _scores[i] = new float[capacity];
            _rows[i] = new float[Math.Max(_config.KeyHeadDim, _config.ValueHeadDim)];
        }
    }

    public void Execute(int workerIndex, int workerCount)
    {
        int pairs = _tokenCount * _config.HeadCount;
        int begin = (int)((long)pairs * workerIndex / workerCount);
        int end = (int)((long)pairs * (workerIndex + 1) / workerCount);
        for (int i = begin; i < end; i++)
            AttendOne(i / _config.HeadCount, i % _config.HeadCount, _scores[workerIndex], _rows[workerIndex]);
    }

    private void AttendOne(int t, int head, float[] scoreBuffer, float[] rowBuffer)
    {
        var c = _config;
        var cache = _cache!;
        int kd = c.KeyHeadDim, vd = c.ValueHeadDim;
        int kvHead = head / (c.HeadCount / c.KvHeadCount);
        var q = _qkv.AsSpan(t * _qkvStride + head * kd, kd);
        int slotEnd = _mask is null ? _firstSlot + t + 1 : _firstSlot + _tokenCount;
        var scores = scoreBuffer.AsSpan(0, slotEnd);
        var row = rowBuffer.AsSpan(0, Math.Max(kd, vd));
        var maskRow = _mask is null ? default : _mask.Row(t);

        var keysF16 = cache.KeysF16(_layer);
        var keysF32 = cache.KeysF32(_layer);
        int kw = cache.KeyWidth, kOffset = kvHead * kd;
        for (int s = 0; s < slotEnd; s++)
        {
            if (_mask is not null && !maskRow[s])
            {
                scores[s] = float.NegativeInfinity;
                continue;
            }
            ReadOnlySpan<float> k;
            if (keysF16 is not null)
            {
                TensorPrimitives.ConvertToSingle(keysF16.AsSpan(s * kw + kOffset, kd), row.Slice(0, kd));
                k = row.Slice(0, kd);
            }
            else
            {
                k = keysF32.AsSpan(s * kw + kOffset, kd);
            }
            scores[s] = TensorPrimitives.Dot(q, k) * _scale;
        }
        Softmax.InPlace(scores);

        var output = _output.AsSpan(t * _outputStride + head * vd, vd);
        output.Clear();
        var valuesF16 = cache.ValuesF16(_layer);
        var valuesF32 = cache.ValuesF32(_layer);
        int vw = cache.ValueWidth, vOffset = kvHead * vd;
        for (int s = 0; s < slotEnd; s++)
        {
            float p = scores[s];
            if (p == 0) continue;
            ReadOnlySpan<float> v;
            if (valuesF16 is not null)
            {
                TensorPrimitives.ConvertToSingle(valuesF16.AsSpan(s * vw + vOffset, vd), row.Slice(0, vd));
                v = row.Slice(0, vd);
            }
            else
            {
                v = valuesF32.AsSpan(s * vw + vOffset, vd);
            }
            TensorPrimitives.MultiplyAdd(v, p, output, output);
        }
    }
}
