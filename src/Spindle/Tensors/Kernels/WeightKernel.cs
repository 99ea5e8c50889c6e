using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Row operations for one weight type. A weight matrix is stored as rows of <c>rowLength</c> elements, each
/// <see cref="GgmlTypeInfo.ByteLength"/> bytes, straight from the GGUF mapping. Matrix products first convert the
/// activations once to <see cref="ActivationType"/> (e.g. Q8_0 blocks for Q4_0 weights, as llama.cpp does), then take
/// dot products of weight rows with those prepared activations.
/// Implementations are stateless and thread-safe; callers validate shapes once, so kernels trust them.
/// </summary>
public abstract class WeightKernel
{
    public abstract GgmlType Type { get; }

    /// <summary>The format activations are converted to before dot products with rows of this type.</summary>
    public abstract GgmlType ActivationType { get; }

    /// <summary>Expands one row (a whole number of blocks) to float.</summary>
    public abstract void DequantizeRow(ReadOnlySpan<byte> row, Span<float> destination);

    /// <summary>Converts one activation row to <see cref="ActivationType"/>; <paramref name="destination"/> holds
    /// <c>GgmlTypeInfo.ByteLength(ActivationType, source.Length)</c> bytes.</summary>
    public abstract void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination);

    /// <summary>
    /// Floats of per-call data a kernel derives from prepared activations before multiplying (e.g. their block scales
    /// widened to fp32), 0 when it needs none. The matmul driver computes them once per product with
    /// <see cref="PrepareAuxiliary"/> and hands them to every chunk's <see cref="MatMul(ReadOnlySpan{byte}, int, int, ReadOnlySpan{byte}, int, Span{float}, int, ReadOnlySpan{float})"/>,
    /// instead of each chunk of rows deriving them again. They depend only on the activations and their type.
    /// </summary>
    public virtual int AuxiliaryFloats(int rowLength, int tokenCount) => 0;

    public virtual void PrepareAuxiliary(ReadOnlySpan<byte> activations, int rowLength, int tokenCount, Span<float> auxiliary)
    {
    }

    /// <summary>As <see cref="MatMul(ReadOnlySpan{byte}, int, int, ReadOnlySpan{byte}, int, Span{float}, int)"/>, with the <see cref="PrepareAuxiliary"/> data (empty: derive it here).</summary>
    public virtual void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary) =>
        MatMul(weightRows, rowCount, rowLength, activations, tokenCount, output, outputStride);

    /// <summary>
    /// Rows per group of this kernel's interleaved layout, 0 when it has none. An interleaved matrix stores each group of
    /// that many consecutive rows block by block (a short last group is padded), so one vector holds the same elements
    /// of several rows; <see cref="WeightMatrix"/> interleaves a model's matrices once, at load.
    /// </summary>
    public virtual int InterleavedRows => 0;

    /// <summary>Bytes of the interleaved layout of <paramref name="rowCount"/> rows.</summary>
    public virtual long InterleavedByteLength(int rowCount, int rowLength) => throw new NotSupportedException();

    /// <summary>Writes row-major <paramref name="rows"/> in the interleaved layout.</summary>
    public virtual void Interleave(ReadOnlySpan<byte> rows, int rowCount, int rowLength, Span<byte> groups) =>
        throw new NotSupportedException();

    /// <summary>Expands row <paramref name="row"/> of an interleaved matrix to float.</summary>
    public virtual void DequantizeInterleavedRow(ReadOnlySpan<byte> groups, int row, int rowLength, Span<float> destination) =>
        throw new NotSupportedException();

    /// <summary>
    /// As <see cref="MatMul(ReadOnlySpan{byte}, int, int, ReadOnlySpan{byte}, int, Span{float}, int, ReadOnlySpan{float})"/>
    /// for weights in the interleaved layout, starting at a group boundary; the results are the same bits.
    /// </summary>
    public virtual void MatMulInterleaved(
        ReadOnlySpan<byte> groups, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride, ReadOnlySpan<float> auxiliary) =>
        throw new NotSupportedException();

    /// <summary>Dot product of one weight row with one prepared activation row, both of <paramref name="rowLength"/> elements.</summary>
    public abstract float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength);

    /// <summary>
    /// For weight rows r in [0, rowCount) and prepared activation rows t in [0, tokenCount):
    /// <c>output[t * outputStride + r] = Dot(row r, activation t)</c>. Weight rows and activation rows are each stored
    /// contiguously. Kernels override this to reuse a loaded weight block across several tokens (prefill).
    /// </summary>
    public virtual void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride)
    {
        int rowBytes = (int)GgmlTypeInfo.ByteLength(Type, rowLength);
        int activationBytes = (int)GgmlTypeInfo.ByteLength(ActivationType, rowLength);
        for (int t = 0; t < tokenCount; t++)
        {
            var activation = activations.Slice(t * activationBytes, activationBytes);
            var outRow = output.Slice(t * outputStride);
            for (int r = 0; r < rowCount; r++)
                outRow[r] = Dot(weightRows.Slice(r * rowBytes, rowBytes), activation, rowLength);
        }
    }
}
