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

        public void Execute(int workerIndex, int workerCount)
        {
            var w = Weights!;
            int rows = w.RowCount;
            int granules = (rows + RowGranule - 1) / RowGranule;
            int start = (int)((long)granules * workerIndex / workerCount) * RowGranule;
            int end = Math.Min(rows, (int)((long)granules * (workerIndex + 1) / workerCount) * RowGranule);
            if (start >= end) return;
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
