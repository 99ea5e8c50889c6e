using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Spindle.Caching;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Kernels;
using Spindle.Tensors.Ops;
using Spindle.Tensors.Threading;

namespace Spindle.Models;

/// <summary>
/// Grouped-query attention of a batch against one layer of its sequences' caches, split over (run of tokens, KV head)
/// items across workers: an item reads each cached key and value row of its head once, straight from the cache in its
/// stored type, and uses it for every query head of the group and every token of the run (a few consecutive prompt
/// tokens of one sequence; decode steps are runs of one). Nothing is widened or copied per layer, so the serial work of a
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
    private int _items;
    private int _nextItem;
    private WeightKernel? _keyKernel;
    // Work items: runs of consecutive batch tokens of one sequence (the first token and the count), each taken with
    // every KV head; a run shares each widened key and value row among its tokens.
    private int[] _blockStart = [];
    private int[] _blockCount = [];
    private int _blocks;
    private readonly int _blockTokens;

    public AttentionJob(ModelConfig config)
    {
        _config = config;
        _scale = 1.0f / MathF.Sqrt(config.KeyHeadDim);
        _group = config.HeadCount / config.KvHeadCount;
        // Score and lane rows per item = tokens × query heads of a group: about 8, so a run's lanes stay in L1/L2.
        _blockTokens = Math.Max(1, 8 / _group);
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
        PlanBlocks(plan, mask is null ? _blockTokens : 1);
        _items = _blocks * _config.KvHeadCount;
        _nextItem = 0;
        long work = plan.VisibleSlotSum * (long)_config.HeadCount * (_config.KeyHeadDim + _config.ValueHeadDim);
        if (pool.ThreadCount == 1 || work < (1 << 17)) Execute(0, 1);
        else pool.RunShared(this); // pairs are shared out dynamically, so a late worker may skip the job
        _mask = null;
        _caches = [];
    }

    /// <summary>Cuts the batch into runs of at most <paramref name="most"/> consecutive tokens of one sequence.</summary>
    private void PlanBlocks(ForwardPlan plan, int most)
    {
        int n = plan.TokenCount;
        if (_blockStart.Length < n)
        {
            _blockStart = new int[Math.Max(n, 2 * _blockStart.Length)];
            _blockCount = new int[_blockStart.Length];
        }
        _blocks = 0;
        for (int t = 0; t < n; t++)
        {
            int b = _blocks - 1;
            if (b >= 0 && _blockCount[b] < most && plan.SequenceOfToken[t] == plan.SequenceOfToken[_blockStart[b]]
                && _blockStart[b] + _blockCount[b] == t)
            {
                _blockCount[b]++;
                continue;
            }
            _blockStart[_blocks] = t;
            _blockCount[_blocks++] = 1;
        }
    }

    private void EnsureScratch(int workers, int slots)
    {
        if (_scratch.Length < workers) Array.Resize(ref _scratch, workers);
        for (int i = 0; i < workers; i++)
        {
            _scratch[i] ??= new Scratch(_config, _group * _blockTokens);
            _scratch[i].EnsureSlots(_group * _blockTokens, slots);
        }
    }

    public void Execute(int workerIndex, int workerCount)
    {
        // Items are taken one by one so a worker the OS schedules late does not hold the others at the barrier.
        var scratch = _scratch[workerIndex];
        int kvHeads = _config.KvHeadCount;
        int i;
        while ((i = Interlocked.Increment(ref _nextItem) - 1) < _items)
            AttendBlock(_blockStart[i / kvHeads], _blockCount[i / kvHeads], i % kvHeads, scratch);
    }

    /// <summary>
    /// Tokens [first, first + count) of one sequence (consecutive slots) against KV head <paramref name="kvHead"/>: row r
    /// = i·G + h of the scratch belongs to token first + i and query head kvHead·G + h. Each cached key and value row
    /// is widened once for all of them; each row's scores, softmax and lane sums are exactly those of the token alone.
    /// </summary>
    private void AttendBlock(int first, int count, int kvHead, Scratch scratch)
    {
        var c = _config;
        int kd = c.KeyHeadDim, vd = c.ValueHeadDim, g = _group, rows = count * g;
        int sequence = _plan.SequenceOfToken[first];
        var cache = _caches[sequence];
        var format = cache.Format;
        int prefix = _plan.SequenceStart[sequence];
        int firstSlot = _plan.SlotOfToken[first];
        // The last token sees the most: [0, its slot] causally, the whole batch's slots under a mask.
        int slotEnd = _mask is null ? _plan.SlotOfToken[first + count - 1] + 1 : _plan.SequenceEnd[sequence];
        int stride = scratch.SlotStride;
        float[] scores = scratch.Scores;
        ref float q0 = ref MemoryMarshal.GetArrayDataReference(_qkv);
        int QueryOffset(int r) => (first + r / g) * _qkvStride + (kvHead * g + r % g) * kd;
        // Token i sees slots up to firstSlot + i (causal): rows stop there.
        int RowEnd(int r) => _mask is null ? firstSlot + r / g + 1 : slotEnd;

        if (_keyKernel is not null)
        {
            for (int r = 0; r < rows; r++)
                Q8ActivationQuantizer.QuantizeQ8_0(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref q0, QueryOffset(r)), kd),
                    scratch.QueryQ8.AsSpan(r * scratch.QueryQ8Bytes, scratch.QueryQ8Bytes));
        }

        // Scores: one pass over the head's key rows, block by block.
        int blockSlots = cache.BlockSlots, keyRow = cache.KeyRowBytes;
        for (int start = 0; start < slotEnd; start += blockSlots)
        {
            int n = Math.Min(blockSlots, slotEnd - start);
            ref byte keys = ref Unsafe.Add(ref cache.KeyBlock(_layer, start / blockSlots), kvHead * blockSlots * keyRow);
            for (int k = 0; k < n; k++)
            {
                int s = start + k;
                // Rows whose token is before this slot never read it (their softmax covers [0, RowEnd)).
                int firstRow = _mask is null && s > firstSlot ? (s - firstSlot) * g : 0;
                if (_mask is not null && s >= prefix && !_mask.IsVisible(first, _plan.BatchIndexOfSlot(sequence, s)))
                {
                    for (int r = 0; r < rows; r++) scores[r * stride + s] = float.NegativeInfinity;
                    continue;
                }
                ref byte row = ref Unsafe.Add(ref keys, k * keyRow);
                switch (format.Keys)
                {
                    case KvCacheType.F16 when firstRow == rows - 1 && kd >= 8 && Avx2.IsSupported:
                        // One query row reads this key: widened in registers, not through the scratch row.
                        scores[firstRow * stride + s] = HalfRows.Dot(ref Unsafe.Add(ref q0, QueryOffset(firstRow)), ref Unsafe.As<byte, ushort>(ref row), kd) * _scale;
                        break;
                    case KvCacheType.F16:
                        HalfRows.Widen(ref Unsafe.As<byte, ushort>(ref row), ref scratch.RowRef, kd);
                        for (int r = firstRow; r < rows; r++)
                            scores[r * stride + s] = HeadVectors.Dot(ref Unsafe.Add(ref q0, QueryOffset(r)), ref scratch.RowRef, kd) * _scale;
                        break;
                    case KvCacheType.F32:
                        for (int r = firstRow; r < rows; r++)
                            scores[r * stride + s] = HeadVectors.Dot(ref Unsafe.Add(ref q0, QueryOffset(r)), ref Unsafe.As<byte, float>(ref row), kd) * _scale;
                        break;
                    default:
                        var rowBytes = MemoryMarshal.CreateReadOnlySpan(ref row, keyRow);
                        for (int r = firstRow; r < rows; r++)
                            scores[r * stride + s] = _keyKernel!.Dot(rowBytes, scratch.QueryQ8.AsSpan(r * scratch.QueryQ8Bytes, scratch.QueryQ8Bytes), kd) * _scale;
                        break;
                }
            }
        }

        bool halfValues = format.Values == KvCacheType.F16;
        for (int r = 0; r < rows; r++)
        {
            int end = RowEnd(r);
            var row = scores.AsSpan(r * stride, end);
            // ggml's own exp and summation: an ulp here can move a probability across an F16 rounding boundary below.
            GgmlSoftmax.InPlace(row, halfResult: halfValues);
            // llama.cpp (without flash attention) multiplies the probabilities by the cached values in the cache's
            // type: with an F16 cache they are rounded to F16 first.
            if (halfValues) HalfRounding.RoundInPlace(ref MemoryMarshal.GetReference(row), end);
            // Slots past the row's end are read below as exact zeros.
            scores.AsSpan(r * stride + end, slotEnd - end).Clear();
        }

        int valueRow = cache.ValueRowBytes;
        if (halfValues)
        {
            // llama.cpp pads the slots in view to a multiple of 256, so its probabilities × values product always takes
            // the tiled path, the same way for a prompt batch as for one decoded token; slots past a token's own add
            // exact zeros. Always tiling keeps prefill and decode on one summation order.
            var lanes = scratch.Lanes;
            int laneRow = HalfValueProduct.Lanes * vd;
            Array.Clear(lanes, 0, rows * laneRow);
            for (int start = 0; start < slotEnd; start += blockSlots)
            {
                int n = Math.Min(blockSlots, slotEnd - start);
                ref byte values = ref Unsafe.Add(ref cache.ValueBlock(_layer, start / blockSlots), kvHead * blockSlots * valueRow);
                for (int k = 0; k < n; k++)
                {
                    int s = start + k;
                    int lane = (s & (HalfValueProduct.Lanes - 1)) * vd;
                    ref ushort valueBits = ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref values, k * valueRow));
                    if (rows == 1 && Avx2.IsSupported)
                    {
                        // One row: widened in registers, not through the scratch row.
                        float p1 = scores[s];
                        if (p1 != 0) HalfRows.MultiplyAdd(ref valueBits, p1, ref lanes[lane], vd);
                        continue;
                    }
                    bool any = false;
                    for (int r = 0; r < rows && !any; r++) any = scores[r * stride + s] != 0;
                    if (!any) continue;
                    HalfRows.Widen(ref valueBits, ref scratch.RowRef, vd);
                    for (int r = 0; r < rows; r++)
                    {
                        float p = scores[r * stride + s];
                        if (p == 0) continue;
                        HeadVectors.MultiplyAdd(ref scratch.RowRef, p, ref lanes[r * laneRow + lane], vd);
                    }
                }
            }
            for (int r = 0; r < rows; r++)
                HalfValueProduct.ReduceLanes(lanes.AsSpan(r * laneRow, laneRow), vd, OutputRow(first, kvHead, r, g, vd));
            return;
        }

        for (int r = 0; r < rows; r++) OutputRow(first, kvHead, r, g, vd).Clear();
        for (int start = 0; start < slotEnd; start += blockSlots)
        {
            int n = Math.Min(blockSlots, slotEnd - start);
            ref byte values = ref Unsafe.Add(ref cache.ValueBlock(_layer, start / blockSlots), kvHead * blockSlots * valueRow);
            for (int k = 0; k < n; k++)
            {
                int s = start + k;
                ref byte rowBytes = ref Unsafe.Add(ref values, k * valueRow);
                ref float row = ref Unsafe.As<byte, float>(ref rowBytes);
                bool loaded = format.Values == KvCacheType.F32;
                for (int r = 0; r < rows; r++)
                {
                    float p = scores[r * stride + s];
                    if (p == 0) continue;
                    if (!loaded)
                    {
                        KvRows.Load(format.Values, MemoryMarshal.CreateReadOnlySpan(ref rowBytes, valueRow), scratch.Row.AsSpan(0, vd));
                        row = ref scratch.RowRef;
                        loaded = true;
                    }
                    HeadVectors.MultiplyAdd(ref row, p, ref MemoryMarshal.GetReference(OutputRow(first, kvHead, r, g, vd)), vd);
                }
            }
        }
    }

    /// <summary>Scratch row r's output: token first + r / G, query head kvHead·G + r mod G.</summary>
    private Span<float> OutputRow(int first, int kvHead, int r, int g, int vd) =>
        _output.AsSpan((first + r / g) * _outputStride + (kvHead * g + r % g) * vd, vd);

    /// <summary>One worker's buffers: a score row, 16 lane rows and a quantized query per (token, head) row of an item, one widened row.</summary>
    private sealed class Scratch
    {
        public float[] Scores = [];
        public int SlotStride;
        public readonly float[] Lanes;
        public readonly float[] Row;
        public readonly byte[] QueryQ8;
        public readonly int QueryQ8Bytes;

        public Scratch(ModelConfig c, int rows)
        {
            Lanes = new float[rows * HalfValueProduct.Lanes * c.ValueHeadDim];
            Row = new float[Math.Max(c.KeyHeadDim, c.ValueHeadDim)];
            QueryQ8Bytes = c.KeyHeadDim % 32 == 0 ? (int)GgmlTypeInfo.ByteLength(GgmlType.Q8_0, c.KeyHeadDim) : 0;
            QueryQ8 = new byte[rows * QueryQ8Bytes];
        }

        public ref float RowRef => ref MemoryMarshal.GetArrayDataReference(Row);

        public void EnsureSlots(int rows, int slots)
        {
            if (SlotStride >= slots) return;
            SlotStride = Math.Max(slots, Math.Max(64, 2 * SlotStride));
            Scores = new float[(long)rows * SlotStride];
        }
    }
}
