using System.Buffers;
using Spindle.Gguf;
using Spindle.Tensors.Blocks;
namespace Spindle.Models.Quantization;

/// <summary>
/// Streams one tensor into a <see cref="GgufWriter"/> a chunk of rows at a time: each row is produced as floats,
/// quantized to the target type, and the chunk is written, so memory stays at one chunk however large the model.
/// Rows within a chunk are quantized in parallel; each row's bytes depend only on its own floats, so the output is the
/// same for any thread count.
/// </summary>
internal static class RowChunkWriter
{
    /// <summary>Fills <paramref name="destination"/> with row <paramref name="row"/> as floats. Called from several threads at once.</summary>
    public delegate void RowSource(long row, Span<float> destination);

    // About this much quantized output per chunk: large enough to keep the workers busy, small next to any model.
    private const int ChunkByteTarget = 8 << 20;

    public static void Write(
        GgufWriter writer, GgmlType type, long rowLength, long rowCount, RowSource source, int threads, Action<long>? rowsDone = null)
    {
        if (rowLength > Array.MaxLength / sizeof(float)) throw new NotSupportedException($"rows of {rowLength} elements are too long");
        int rowBytes = checked((int)GgmlTypeInfo.ByteLength(type, rowLength));
        int length = (int)rowLength;
        if (rowCount == 0 || rowBytes == 0) return;
        int rowsPerChunk = (int)Math.Clamp(ChunkByteTarget / rowBytes, 1, rowCount);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(rowsPerChunk * rowBytes);
        try
        {
            float[]? serialScratch = threads <= 1 ? new float[length] : null;
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
            for (long first = 0; first < rowCount; first += rowsPerChunk)
            {
                int count = (int)Math.Min(rowsPerChunk, rowCount - first);
                if (serialScratch != null)
                {
                    for (int r = 0; r < count; r++) QuantizeOne(type, source, first + r, serialScratch, chunk.AsSpan(r * rowBytes, rowBytes));
                }
                else
                {
                    long firstRow = first;
                    Parallel.For(0, count, options,
                        () => new float[length],
                        (r, _, scratch) =>
                        {
                            QuantizeOne(type, source, firstRow + r, scratch, chunk.AsSpan(r * rowBytes, rowBytes));
                            return scratch;
                        },
                        static _ => { });
                }
                writer.WriteTensorData(chunk.AsSpan(0, count * rowBytes));
                rowsDone?.Invoke(first + count);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static void QuantizeOne(GgmlType type, RowSource source, long row, float[] scratch, Span<byte> destination)
    {
        source(row, scratch);
        RowQuantizer.QuantizeRow(type, scratch, destination);
    }
}
