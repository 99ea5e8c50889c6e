using System.Diagnostics;
using Spindle.Tensors.Blocks;
using Spindle.Tensors.Diagnostics;
using Spindle.Tensors.Threading;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Multiplies <see cref="WeightMatrix"/>es by a batch of activation rows on a <see cref="WorkerPool"/>: activations are
/// converted once per row with <see cref="WeightKernel.PrepareActivation"/> (once for all the matrices of a fused call
/// that take the same activation format, e.g. Q, K and V), then workers take chunks of weight rows and call
/// <see cref="WeightKernel.MatMul"/> on them, so a weight row is read once per batch.
/// Buffers grow to the largest request and are then reused: a call allocates nothing. Not thread-safe.
/// </summary>
public sealed class MatMulDriver
{
    // Below this many multiply-adds (~50 µs on one core) waking a worker costs more than it saves.
    private const long MinWorkForParallel = 1 << 18;
    // Row ranges are multiples of this so kernels that process rows in groups see whole groups.
    private const int RowGranule = 8;
    // Weight bytes per block in a batched product: well inside a 256 KiB-1 MiB L2 alongside the activations.
    private const int L2BlockBytes = 64 * 1024;
    // Chunks per worker a matrix's rows are cut into for dynamic sharing: enough that a worker the OS schedules late
    // leaves its share to the others, few enough that each chunk is a long sequential stream for the hardware
    // prefetcher. On 2 cores decode ran 5-15% faster with 8 chunks per matrix than with 32 (tg64, stories110m and
    // TinyLlama Q4_0, alternating runs); 2 or 16 were no better than 8.
    private const int ChunksPerWorker = 4;
    // Most matrices one call multiplies by the same input (Q, K, V).
    private const int MaxParts = 3;

    private readonly WorkerPool _pool;
    private readonly Job _job = new();
    private byte[][] _prepared = [[], [], []];
    private float[][] _auxiliary = [[], [], []];

    public MatMulDriver(WorkerPool pool) => _pool = pool;

    public WorkerPool Pool => _pool;

    /// <summary>
    /// For t in [0, tokenCount), r in [0, w.RowCount): <c>output[outputOffset + t * outputStride + r] = w[r] · input[t]</c>,
    /// input rows being <c>w.RowLength</c> floats at <c>input[t * inputStride]</c>.
    /// </summary>
    public void Multiply(
        WeightMatrix w, ReadOnlySpan<float> input, int inputStride, int tokenCount,
        float[] output, int outputOffset, int outputStride) =>
        Multiply(w, null, null, input, inputStride, tokenCount, output, outputOffset, 0, 0, outputStride);

    /// <summary>
    /// As <see cref="Multiply(WeightMatrix, ReadOnlySpan{float}, int, int, float[], int, int)"/> for up to three matrices
    /// of the same row length and the same input, in one dispatch (one wait for the workers instead of three); matrix
    /// <c>k</c> writes its columns from <c>outputOffset{k}</c> of each output row. Each matrix's chunks and kernel calls
    /// are those of a call on its own, so results are the same bit for bit.
    /// </summary>
    public void Multiply(
        WeightMatrix w0, WeightMatrix? w1, WeightMatrix? w2, ReadOnlySpan<float> input, int inputStride, int tokenCount,
        float[] output, int outputOffset0, int outputOffset1, int outputOffset2, int outputStride)
    {
        Debug.Assert(tokenCount > 0 && inputStride >= w0.RowLength);
        Debug.Assert(w1 is null || w1.RowLength == w0.RowLength);
        Debug.Assert(w2 is null || (w1 is not null && w2.RowLength == w0.RowLength));
        var job = _job;
        job.PartCount = 0;
        long work = 0;
        long t0 = ForwardProfile.Start();
        AddPart(w0, input, inputStride, tokenCount, outputOffset0);
        if (w1 is not null) AddPart(w1, input, inputStride, tokenCount, outputOffset1);
        if (w2 is not null) AddPart(w2, input, inputStride, tokenCount, outputOffset2);
        ForwardProfile.Stop(ForwardPhase.QuantizeActivations, t0);
        for (int p = 0; p < job.PartCount; p++) work += (long)job.Parts[p].Weights!.RowCount * w0.RowLength * tokenCount;

        job.TokenCount = tokenCount;
        job.Output = output;
        job.OutputStride = outputStride;
        job.Reset();
        if (_pool.ThreadCount == 1 || work < MinWorkForParallel) job.Execute(0, 1);
        else _pool.RunShared(job);
        for (int p = 0; p < job.PartCount; p++) job.Parts[p] = default;
        job.Output = null;
    }

    private void AddPart(WeightMatrix w, ReadOnlySpan<float> input, int inputStride, int tokenCount, int outputOffset)
    {
        var job = _job;
        int index = job.PartCount++;
        var kernel = w.Kernel;
        int preparedBytes = (int)GgmlTypeInfo.ByteLength(kernel.ActivationType, w.RowLength);
        // Reuse an earlier part's activations when they are in the same format.
        int source = -1;
        for (int p = 0; p < index; p++)
            if (job.Parts[p].Weights!.Kernel.ActivationType == kernel.ActivationType) source = p;
        byte[] prepared;
        float[] auxiliary;
        int auxiliaryLength = kernel.AuxiliaryFloats(w.RowLength, tokenCount);
        if (source >= 0)
        {
            prepared = job.Parts[source].Prepared!;
            auxiliary = job.Parts[source].Auxiliary!;
        }
        else
        {
            int needed = preparedBytes * tokenCount;
            if (_prepared[index].Length < needed) _prepared[index] = new byte[needed];
            prepared = _prepared[index];
            for (int t = 0; t < tokenCount; t++)
                kernel.PrepareActivation(input.Slice(t * inputStride, w.RowLength), prepared.AsSpan(t * preparedBytes, preparedBytes));
            if (_auxiliary[index].Length < auxiliaryLength) _auxiliary[index] = new float[auxiliaryLength];
            auxiliary = _auxiliary[index];
            kernel.PrepareAuxiliary(prepared.AsSpan(0, needed), w.RowLength, tokenCount, auxiliary.AsSpan(0, auxiliaryLength));
        }
        // A row's result does not depend on the chunk it falls in (kernels work on whole groups of RowGranule rows),
        // so the chunk count may follow the pool's size.
        int chunks = ChunksPerWorker * _pool.ThreadCount;
        int chunk = (w.RowCount + chunks - 1) / chunks;
        int chunkRows = Math.Max(RowGranule, (chunk + RowGranule - 1) / RowGranule * RowGranule);
        int firstChunk = index == 0 ? 0 : job.Parts[index - 1].ChunkEnd;
        job.Parts[index] = new Part
        {
            Weights = w,
            Prepared = prepared,
            PreparedLength = preparedBytes * tokenCount,
            Auxiliary = auxiliary,
            AuxiliaryLength = auxiliaryLength,
            OutputOffset = outputOffset,
            ChunkRows = chunkRows,
            ChunkStart = firstChunk,
            ChunkEnd = firstChunk + (w.RowCount + chunkRows - 1) / chunkRows,
        };
    }

    private struct Part
    {
        public WeightMatrix? Weights;
        public byte[]? Prepared;
        public int PreparedLength;
        // What the kernel derives from the activations once per product (e.g. widened scales), shared by its chunks.
        public float[]? Auxiliary;
        public int AuxiliaryLength;
        public int OutputOffset;
        public int ChunkRows;
        // This part's chunks in the job's chunk numbering: [ChunkStart, ChunkEnd).
        public int ChunkStart;
        public int ChunkEnd;
    }

    private sealed class Job : IParallelWork
    {
        public readonly Part[] Parts = new Part[MaxParts];
        public int PartCount;
        public int TokenCount;
        public float[]? Output;
        public int OutputStride;
        private int _nextChunk;

        public void Reset() => _nextChunk = 0;

        public void Execute(int workerIndex, int workerCount)
        {
            // Workers take chunks as they come, so one that the OS schedules late leaves its share to the others.
            int total = Parts[PartCount - 1].ChunkEnd;
            int chunk;
            while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < total)
            {
                int p = 0;
                while (chunk >= Parts[p].ChunkEnd) p++;
                ref readonly var part = ref Parts[p];
                int start = (chunk - part.ChunkStart) * part.ChunkRows;
                RunRows(in part, start, Math.Min(part.Weights!.RowCount, start + part.ChunkRows));
            }
        }

        private void RunRows(in Part part, int start, int end)
        {
            var w = part.Weights!;
            // With several tokens, walk the rows in blocks small enough to stay in L2 while every token passes over
            // them, so a kernel that loops token by token still reads each weight row from memory once per batch.
            int block = TokenCount == 1
                ? end - start
                : Math.Max(RowGranule, L2BlockBytes / w.RowByteLength / RowGranule * RowGranule);
            var prepared = part.Prepared.AsSpan(0, part.PreparedLength);
            var auxiliary = part.Auxiliary.AsSpan(0, part.AuxiliaryLength);
            for (int first = start; first < end; first += block)
            {
                int count = Math.Min(block, end - first);
                var output = Output.AsSpan(part.OutputOffset + first, (TokenCount - 1) * OutputStride + count);
                w.Multiply(first, count, prepared, TokenCount, output, OutputStride, auxiliary);
            }
        }
    }
}
