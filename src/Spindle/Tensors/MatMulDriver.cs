using System.Diagnostics;

namespace Spindle.Tensors;

/// <summary>
/// Multiplies a <see cref="WeightMatrix"/> by a batch of activation rows on a <see cref="WorkerPool"/>: activations are
/// converted once per row with <see cref="WeightKernel.PrepareActivation"/>, then each worker takes a contiguous range
/// of weight rows and calls <see cref="WeightKernel.MatMul"/> on it, so a weight row is read once per batch.
/// Buffers grow to the largest request and are then reused: a call allocates nothing. Not thread-safe.
/// </summary>
public sealed class MatMulDriver
{
    // Below this many multiply-adds (~50 µs on one core) waking a worker costs more than it saves, and on a busy
    // machine a wake-up can take a whole scheduler slice.
    private const long MinWorkForParallel = 1 << 18;
    // Row ranges are multiples of this so kernels that process rows in groups see whole groups.
    private const int RowGranule = 8;
    // Weight bytes per block in a batched product: well inside a 256 KiB-1 MiB L2 alongside the activations.
    private const int L2BlockBytes = 64 * 1024;
    // Chunks a matrix's rows are cut into for dynamic sharing among workers.
    private const int ChunksPerMatrix = 32;

    private readonly WorkerPool _pool;
    private readonly Job _job = new();
    private byte[] _prepared = [];

    public MatMulDriver(WorkerPool pool) => _pool = pool;

    public WorkerPool Pool => _pool;

    /// <summary>
    /// For t in [0, tokenCount), r in [0, w.RowCount): <c>output[outputOffset + t * outputStride + r] = w[r] · input[t]</c>,
    /// input rows being <c>w.RowLength</c> floats at <c>input[t * inputStride]</c>.
    /// </summary>
    public void Multiply(
        WeightMatrix w, ReadOnlySpan<float> input, int inputStride, int tokenCount,
        float[] output, int outputOffset, int outputStride)
    {
        Debug.Assert(tokenCount > 0 && outputStride >= w.RowCount && inputStride >= w.RowLength);
        var kernel = w.Kernel;
        int preparedBytes = (int)GgmlTypeInfo.ByteLength(kernel.ActivationType, w.RowLength);
        int needed = preparedBytes * tokenCount;
        if (_prepared.Length < needed) _prepared = new byte[needed];
        for (int t = 0; t < tokenCount; t++)
            kernel.PrepareActivation(input.Slice(t * inputStride, w.RowLength), _prepared.AsSpan(t * preparedBytes, preparedBytes));

        _job.Weights = w;
        _job.Prepared = _prepared;
        _job.PreparedLength = needed;
        _job.TokenCount = tokenCount;
        _job.Output = output;
        _job.OutputOffset = outputOffset;
        _job.OutputStride = outputStride;
        _job.Plan(w.RowCount);
        long work = (long)w.RowCount * w.RowLength * tokenCount;
        if (_pool.ThreadCount == 1 || work < MinWorkForParallel) _job.Execute(0, 1);
        else _pool.Run(_job);
        _job.Weights = null;
        _job.Output = null;
    }

    private sealed class Job : IParallelWork
    {
        public WeightMatrix? Weights;
        public byte[] Prepared = [];
        public int PreparedLength;
        public int TokenCount;
        public float[]? Output;
        public int OutputOffset;
        public int OutputStride;

        public int ChunkRows;
        public int ChunkCount;
        private int _nextChunk;

        /// <summary>Splits the rows into chunks whose bounds depend only on the matrix, never on the thread count,
        /// so every row is computed by the same kernel call shape however many workers share the job.</summary>
        public void Plan(int rows)
        {
            int chunk = (rows + ChunksPerMatrix - 1) / ChunksPerMatrix;
            ChunkRows = Math.Max(RowGranule, (chunk + RowGranule - 1) / RowGranule * RowGranule);
            ChunkCount = (rows + ChunkRows - 1) / ChunkRows;
            _nextChunk = 0;
        }

        public void Execute(int workerIndex, int workerCount)
        {
            // Workers take chunks as they come, so one that the OS schedules late (the machine is shared) leaves its
            // share to the others instead of holding everyone at the barrier.
            int chunk;
            while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < ChunkCount)
            {
                int start = chunk * ChunkRows;
                RunRows(start, Math.Min(Weights!.RowCount, start + ChunkRows));
            }
        }

        private void RunRows(int start, int end)
        {
            var w = Weights!;
            // With several tokens, walk the rows in blocks small enough to stay in L2 while every token passes over
            // them, so a kernel that loops token by token still reads each weight row from memory once per batch.
            int block = TokenCount == 1
                ? end - start
                : Math.Max(RowGranule, L2BlockBytes / w.RowByteLength / RowGranule * RowGranule);
            var prepared = Prepared.AsSpan(0, PreparedLength);
            for (int first = start; first < end; first += block)
            {
                int count = Math.Min(block, end - first);
                var output = Output.AsSpan(OutputOffset + first, (TokenCount - 1) * OutputStride + count);
                w.Kernel.MatMul(w.Rows(first, count), count, w.RowLength, prepared, TokenCount, output, OutputStride);
            }
        }
    }
}
