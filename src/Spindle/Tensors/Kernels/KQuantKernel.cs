using System.Diagnostics.CodeAnalysis;
using Spindle.Tensors.Blocks;

namespace Spindle.Tensors.Kernels;

/// <summary>
/// Shared part of the K-quant and IQ4_XS kernels: activations become Q8_K blocks (as in llama.cpp), and
/// <see cref="MatMul"/> walks the weights in row tiles small enough to stay in L1/L2, so with several tokens
/// (prefill) each weight block is read from memory once and reused from cache for every token.
/// </summary>
public abstract class KQuantKernel : WeightKernel
{
    /// <param name="isa">The instruction set every call runs on, fixed for the instance (tests make one per tier).</param>
    protected KQuantKernel(KernelIsa isa) => Isa = KernelIsaSupport.Require(isa);

    internal KernelIsa Isa { get; }

    /// <summary>Bytes of weight rows per tile: about half of a 32 KiB L1 data cache, leaving room for activations.</summary>
    private const int TileByteBudget = 16 * 1024;

    public sealed override GgmlType ActivationType => GgmlType.Q8_K;

    protected abstract int BlockBytes { get; }

    public sealed override void PrepareActivation(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (source.Length % KQuantMath.QK_K != 0 || destination.Length < source.Length / KQuantMath.QK_K * BlockQ8_K.ByteLength)
            ThrowBadLength(source.Length);
        Q8_KReference.Quantize(source, destination);
    }

    public sealed override float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int rowLength)
    {
        int blocks = rowLength / KQuantMath.QK_K;
        if (rowLength % KQuantMath.QK_K != 0 || row.Length < blocks * BlockBytes || activation.Length < blocks * BlockQ8_K.ByteLength)
            ThrowBadLength(rowLength);
        return DotBlocks(row.Slice(0, blocks * BlockBytes), activation.Slice(0, blocks * BlockQ8_K.ByteLength), blocks, Isa);
    }

    /// <summary>Dot product of <paramref name="blocks"/> weight blocks with as many Q8_K blocks, lengths already checked.</summary>
    private protected abstract float DotBlocks(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activation, int blocks, KernelIsa isa);

    public sealed override void MatMul(
        ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount,
        Span<float> output, int outputStride)
    {
        var isa = Isa;
        int blocks = rowLength / KQuantMath.QK_K;
        int rowBytes = blocks * BlockBytes;
        int activationBytes = blocks * BlockQ8_K.ByteLength;
        if (rowLength % KQuantMath.QK_K != 0 || weightRows.Length < (long)rowCount * rowBytes
            || activations.Length < (long)tokenCount * activationBytes
            || (tokenCount > 0 && output.Length < (long)(tokenCount - 1) * outputStride + rowCount))
            ThrowBadLength(rowLength);
        if (TryMatMulRowMajor(weightRows, rowCount, rowLength, activations, tokenCount, output, outputStride)) return;
        int tileRows = Math.Max(1, TileByteBudget / Math.Max(1, rowBytes));
        Span<float> four = stackalloc float[4];
        for (int r0 = 0; r0 < rowCount; r0 += tileRows)
        {
            int r1 = Math.Min(rowCount, r0 + tileRows);
            int t = 0;
            if (tokenCount >= 4 && HasFourTokenPath(isa))
            {
                for (; t + 4 <= tokenCount; t += 4)
                {
                    var group = activations.Slice(t * activationBytes, 4 * activationBytes);
                    for (int r = r0; r < r1; r++)
                    {
                        DotBlocks4(weightRows.Slice(r * rowBytes, rowBytes), group, activationBytes, blocks, isa, four);
                        for (int k = 0; k < 4; k++) output[(t + k) * outputStride + r] = four[k];
                    }
                }
            }
            for (; t < tokenCount; t++)
            {
                var activation = activations.Slice(t * activationBytes, activationBytes);
                var outRow = output.Slice(t * outputStride);
                for (int r = r0; r < r1; r++)
                    outRow[r] = DotBlocks(weightRows.Slice(r * rowBytes, rowBytes), activation, blocks, isa);
            }
        }
    }

    /// <summary>
    /// A kernel with an interleaved layout multiplies row-major weights through it (so they give its bits) and returns
    /// true; otherwise the row tiles below run.
    /// </summary>
    private protected virtual bool TryMatMulRowMajor(ReadOnlySpan<byte> weightRows, int rowCount, int rowLength,
        ReadOnlySpan<byte> activations, int tokenCount, Span<float> output, int outputStride) => false;

    /// <summary>Whether <see cref="DotBlocks4"/> is implemented for <paramref name="isa"/>.</summary>
    private protected virtual bool HasFourTokenPath(KernelIsa isa) => false;

    /// <summary>
    /// One weight row against four consecutive activation rows (<paramref name="activationBytes"/> apart): each weight
    /// block is unpacked once and used four times. Results equal four <see cref="DotBlocks"/> calls bit for bit.
    /// </summary>
    private protected virtual void DotBlocks4(ReadOnlySpan<byte> row, ReadOnlySpan<byte> activations, int activationBytes,
        int blocks, KernelIsa isa, Span<float> results) => throw new NotSupportedException();

    [DoesNotReturn]
    private protected void ThrowBadLength(int rowLength) =>
        throw new ArgumentException($"{GgmlTypeInfo.Name(Type)}: row length {rowLength} is not a whole number of 256-element blocks or a buffer is too short");
}
