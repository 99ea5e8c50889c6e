using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Caching;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
using Spindle.Tensors.Ops;
using Spindle.Tensors.Threading;

namespace Spindle.Models;

/// <summary>
/// Grouped-query attention of a batch against one layer of its sequences' caches, split over (token, KV head) pairs
/// across workers: a pair reads each cached key and value row of its head once, straight from the cache in its stored
/// type, and uses it for every query head of the group. Nothing is widened or copied per layer, so the serial work of a
/// pass does not grow with the context.
/// <para>
/// Numerics follow llama.cpp. Scores and softmax are fp32; with an F16 cache, queries are rounded to F16 before Q·K and
/// probabilities to F16 before the product with the values, in llamafile's tiled order (see
/// <see cref="HalfValueProduct"/>), as its non-flash attention does. Quantized keys take Q·K against the query
/// quantized to Q8_0 with the weight kernels' dot product; quantized values are expanded row by row (llama.cpp's flash
/// attention, which a quantized V cache requires there, does the same).
/// </para>
/// Each worker owns its scratch, so a pair's result does not depend on which worker ran it.
/// </summary>
internal sealed class AttentionJob : IParallelWork
{
    private readonly ModelConfig _config;
    private readonly float _scale;
    private readonly int _group;
    private Scratch[] _scratch = [];

    // Per-call inputs, set by Run.
    private KvCache[] _caches = [];
    private int _layer;
    private ForwardPlan _plan = null!;
    private AttentionMask? _mask;
    private float[] _qkv = [];
    private int _qkvStride;
    private float[] _output = [];
    private int _outputStride;
    private int _pairs;
    private int _nextPair;
    private WeightKernel? _keyKernel;

    public AttentionJob(ModelConfig config)
    {
        _config = config;
        _scale = 1.0f / MathF.Sqrt(config.KeyHeadDim);
        _group = config.HeadCount / config.KvHeadCount;
    }

    /// <summary>
    /// Attends every token of <paramref name="plan"/> (its keys and values already stored at its slot) to its sequence's
    /// visible slots in <paramref name="layer"/>. Queries are at <c>qkv[t * qkvStride]</c> (head h at h × KeyHeadDim);
    /// head outputs go to <c>output[t * outputStride]</c>.
    /// </summary>
    public void Run(WorkerPool pool, KvCache[] caches, ForwardPlan plan, int layer, AttentionMask? mask,
        float[] qkv, int qkvStride, float[] output, int outputStride)
    {
        var format = caches[plan.SequenceOfToken[0]].Format;
        // Score rows sized for the longest context any of the batch's caches can reach, so decoding token after token
        // does not reallocate them as the context grows.
        int slots = plan.MaxSlotEnd;
        for (int s = 0; s < plan.SequenceCount; s++)
            if (caches[s] is { } cache) slots = Math.Max(slots, cache.Capacity);
        EnsureScratch(pool.ThreadCount, slots);
        _caches = caches;
        _plan = plan;
        _layer = layer;
        _mask = mask;
        _qkv = qkv;
        _qkvStride = qkvStride;
        _output = output;
        _outputStride = outputStride;
        _keyKernel = format.Keys.IsQuantized() ? WeightKernels.For(format.Keys.ToGgmlType()) : null;
        _pairs = plan.TokenCount * _config.KvHeadCount;
        _nextPair = 0;
        long work = plan.VisibleSlotSum * (long)_config.HeadCount * (_config.KeyHeadDim + _config.ValueHeadDim);
        if (pool.ThreadCount == 1 || work < (1 << 17)) Execute(0, 1);
        else pool.RunShared(this); // pairs are shared out dynamically, so a late worker may skip the job
        _mask = null;
        _caches = [];
    }

    private void EnsureScratch(int workers, int slots)
    {
        if (_scratch.Length < workers) Array.Resize(ref _scratch, workers);
        for (int i = 0; i < workers; i++)
        {
            _scratch[i] ??= new Scratch(_config, _group);
            _scratch[i].EnsureSlots(_group, slots);
        }
    }

    public void Execute(int workerIndex, int workerCount)
    {
        // Pairs are taken one by one so a worker the OS schedules late does not hold the others at the barrier.
        var scratch = _scratch[workerIndex];
        int kvHeads = _config.KvHeadCount;
        int i;
        while ((i = Interlocked.Increment(ref _nextPair) - 1) < _pairs)
            AttendGroup(i / kvHeads, i % kvHeads, scratch);
    }

    private void AttendGroup(int t, int kvHead, Scratch scratch)
    {
        var c = _config;
        int kd = c.KeyHeadDim, vd = c.ValueHeadDim, g = _group;
        int sequence = _plan.SequenceOfToken[t];
        var cache = _caches[sequence];
        var format = cache.Format;
        int prefix = _plan.SequenceStart[sequence];
        int slotEnd = _mask is null ? _plan.SlotOfToken[t] + 1 : _plan.SequenceEnd[sequence];
        int stride = scratch.SlotStride;
        float[] scores = scratch.Scores;
        ref float q0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_qkv), t * _qkvStride + kvHead * g * kd);

        if (_keyKernel is not null)
        {
            for (int h = 0; h < g; h++)
                Q8ActivationQuantizer.QuantizeQ8_0(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref q0, h * kd), kd),
                    scratch.QueryQ8.AsSpan(h * scratch.QueryQ8Bytes, scratch.QueryQ8Bytes));
        }

        // Scores: one pass over the head's key rows, block by block.
        int blockSlots = cache.BlockSlots, keyRow = cache.KeyRowBytes;
        for (int first = 0; first < slotEnd; first += blockSlots)
        {
            int count = Math.Min(blockSlots, slotEnd - first);
            ref byte keys = ref Unsafe.Add(ref cache.KeyBlock(_layer, first / blockSlots), kvHead * blockSlots * keyRow);
            for (int r = 0; r < count; r++)
            {
                int s = first + r;
                if (_mask is not null && s >= prefix && !_mask.IsVisible(t, _plan.BatchIndexOfSlot(sequence, s)))
                {
                    for (int h = 0; h < g; h++) scores[h * stride + s] = float.NegativeInfinity;
                    continue;
                }
                ref byte row = ref Unsafe.Add(ref keys, r * keyRow);
                switch (format.Keys)
                {
                    case KvCacheType.F16:
                        HalfRows.Widen(ref Unsafe.As<byte, ushort>(ref row), ref scratch.RowRef, kd);
                        for (int h = 0; h < g; h++)
                            scores[h * stride + s] = HeadVectors.Dot(ref Unsafe.Add(ref q0, h * kd), ref scratch.RowRef, kd) * _scale;
                        break;
                    case KvCacheType.F32:
                        for (int h = 0; h < g; h++)
                            scores[h * stride + s] = HeadVectors.Dot(ref Unsafe.Add(ref q0, h * kd), ref Unsafe.As<byte, float>(ref row), kd) * _scale;
                        break;
                    default:
                        var rowBytes = MemoryMarshal.CreateReadOnlySpan(ref row, keyRow);
                        for (int h = 0; h < g; h++)
                            scores[h * stride + s] = _keyKernel!.Dot(rowBytes, scratch.QueryQ8.AsSpan(h * scratch.QueryQ8Bytes, scratch.QueryQ8Bytes), kd) * _scale;
                        break;
                }
            }
        }

        bool halfValues = format.Values == KvCacheType.F16;
        for (int h = 0; h < g; h++)
        {
            var row = scores.AsSpan(h * stride, slotEnd);
            // ggml's own exp and summation: an ulp here can move a probability across an F16 rounding boundary below.
            GgmlSoftmax.InPlace(row);
            // llama.cpp (without flash attention) multiplies the probabilities by the cached values in the cache's
            // type: with an F16 cache they are rounded to F16 first.
            if (halfValues) HalfRounding.RoundInPlace(ref MemoryMarshal.GetReference(row), slotEnd);
        }

        int valueRow = cache.ValueRowBytes;
        int outputBase = t * _outputStride + kvHead * g * vd;
        if (halfValues)
        {
            // llama.cpp pads the slots in view to a multiple of 256, so its probabilities × values product always takes
            // the tiled path, the same way for a prompt batch as for one decoded token; slots past a token's own add
            // exact zeros. Always tiling keeps prefill and decode on one summation order.
            var lanes = scratch.Lanes;
            Array.Clear(lanes, 0, g * HalfValueProduct.Lanes * vd);
            for (int first = 0; first < slotEnd; first += blockSlots)
            {
                int count = Math.Min(blockSlots, slotEnd - first);
                ref byte values = ref Unsafe.Add(ref cache.ValueBlock(_layer, first / blockSlots), kvHead * blockSlots * valueRow);
                for (int r = 0; r < count; r++)
                {
                    int s = first + r;
                    bool any = false;
                    for (int h = 0; h < g && !any; h++) any = scores[h * stride + s] != 0;
                    if (!any) continue;
                    HalfRows.Widen(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref values, r * valueRow)), ref scratch.RowRef, vd);
                    for (int h = 0; h < g; h++)
                    {
                        float p = scores[h * stride + s];
                        if (p == 0) continue;
                        HeadVectors.MultiplyAdd(ref scratch.RowRef, p, ref lanes[(h * HalfValueProduct.Lanes + (s & (HalfValueProduct.Lanes - 1))) * vd], vd);
                    }
                }
            }
            for (int h = 0; h < g; h++)
                HalfValueProduct.ReduceLanes(lanes.AsSpan(h * HalfValueProduct.Lanes * vd, HalfValueProduct.Lanes * vd), vd,
                    _output.AsSpan(outputBase + h * vd, vd));
            return;
        }

        var output = _output.AsSpan(outputBase, g * vd);
        output.Clear();
        ref float o = ref MemoryMarshal.GetReference(output);
        for (int first = 0; first < slotEnd; first += blockSlots)
        {
            int count = Math.Min(blockSlots, slotEnd - first);
            ref byte values = ref Unsafe.Add(ref cache.ValueBlock(_layer, first / blockSlots), kvHead * blockSlots * valueRow);
            for (int r = 0; r < count; r++)
            {
                int s = first + r;
                ref byte rowBytes = ref Unsafe.Add(ref values, r * valueRow);
                ref float row = ref Unsafe.As<byte, float>(ref rowBytes);
                bool loaded = format.Values == KvCacheType.F32;
                for (int h = 0; h < g; h++)
                {
                    float p = scores[h * stride + s];
                    if (p == 0) continue;
                    if (!loaded)
                    {
                        KvRows.Load(format.Values, MemoryMarshal.CreateReadOnlySpan(ref rowBytes, valueRow), scratch.Row.AsSpan(0, vd));
                        row = ref scratch.RowRef;
                        loaded = true;
                    }
                    HeadVectors.MultiplyAdd(ref row, p, ref Unsafe.Add(ref o, h * vd), vd);
                }
            }
        }
    }

    /// <summary>One worker's buffers: G score rows, G × 16 lane rows, one widened row, G quantized queries.</summary>
    private sealed class Scratch
    {
        public float[] Scores = [];
        public int SlotStride;
        public readonly float[] Lanes;
        public readonly float[] Row;
        public readonly byte[] QueryQ8;
        public readonly int QueryQ8Bytes;

        public Scratch(ModelConfig c, int group)
        {
            Lanes = new float[group * HalfValueProduct.Lanes * c.ValueHeadDim];
            Row = new float[Math.Max(c.KeyHeadDim, c.ValueHeadDim)];
            QueryQ8Bytes = c.KeyHeadDim % 32 == 0 ? (int)GgmlTypeInfo.ByteLength(GgmlType.Q8_0, c.KeyHeadDim) : 0;
            QueryQ8 = new byte[group * QueryQ8Bytes];
        }

        public ref float RowRef => ref MemoryMarshal.GetArrayDataReference(Row);

        public void EnsureSlots(int group, int slots)
        {
            if (SlotStride >= slots) return;
            SlotStride = Math.Max(slots, Math.Max(64, 2 * SlotStride));
            Scores = new float[(long)group * SlotStride];
        }
    }
}
